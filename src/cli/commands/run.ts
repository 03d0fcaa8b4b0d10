// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'run',
  summary: 'not built yet',
  help: 'hotspot run: not built yet',
  async run() {
    console.error('hotspot run: not built yet');
    return 1;
  },
};
export default command;
