// Importing this module registers every architecture (and its custom layers, so saved models reload).
import './unet.ts';

export { architectureNames, getArchitecture, resolveConfig } from './registry.ts';
