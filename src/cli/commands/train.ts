// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'train',
  summary: 'not built yet',
  help: 'hotspot train: not built yet',
  async run() {
    console.error('hotspot train: not built yet');
    return 1;
  },
};
export default command;
