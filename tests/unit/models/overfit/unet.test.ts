// Overfit check for unet (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

// No batch norm in U-Net's small preset: a smaller step converges in fewer steps (140 vs 320 at 0.01).
overfitCase('unet', 0.003);
