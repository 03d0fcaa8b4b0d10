// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'replay',
  summary: 'not built yet',
  help: 'hotspot replay: not built yet',
  async run() {
    console.error('hotspot replay: not built yet');
    return 1;
  },
};
export default command;
