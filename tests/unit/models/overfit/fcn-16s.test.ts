// Overfit check for fcn-16s (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('fcn-16s');
