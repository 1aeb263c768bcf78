// Overfit check for fcn-32s (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('fcn-32s');
