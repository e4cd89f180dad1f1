import type { Feature } from './context';
import { registerLogCommands } from './log';

/**
 * Every feature the extension activates, in order. Each issue adds its own `register...` here;
 * keep each one cheap, since activation happens when a Python file opens.
 */
export const FEATURES: Feature[] = [registerLogCommands];
