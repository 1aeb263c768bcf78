// Importing this module registers every architecture (and its custom layers, so saved models reload).
import './unet.ts';
import './segnet.ts';
import './deeplab.ts';
import './fcn.ts';

export { architectureNames, getArchitecture, resolveConfig } from './registry.ts';
