// Overfit check for deeplab (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('deeplab');
