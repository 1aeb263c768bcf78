// Overfit check for fcn-8s (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('fcn-8s');
