// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'serve',
  summary: 'not built yet',
  help: 'hotspot serve: not built yet',
  async run() {
    console.error('hotspot serve: not built yet');
    return 1;
  },
};
export default command;
