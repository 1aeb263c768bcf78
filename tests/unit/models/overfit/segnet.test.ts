// Overfit check for segnet (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('segnet');
