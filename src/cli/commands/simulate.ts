// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'simulate',
  summary: 'not built yet',
  help: 'hotspot simulate: not built yet',
  async run() {
    console.error('hotspot simulate: not built yet');
    return 1;
  },
};
export default command;
