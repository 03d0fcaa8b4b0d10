// Placeholder until the owning issue lands; replaced by the real command.
import type { Command } from '../command.js';

const command: Command = {
  name: 'features',
  summary: 'not built yet',
  help: 'hotspot features: not built yet',
  async run() {
    console.error('hotspot features: not built yet');
    return 1;
  },
};
export default command;
