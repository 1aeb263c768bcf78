// Overfit check for unet with transpose up-sampling (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('unet', 0.003, { upsampling: 'transpose' });
