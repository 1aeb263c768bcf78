// Overfit check for segnet-basic (see overfit-case.ts).
import { overfitCase } from './overfit-case.ts';

overfitCase('segnet-basic');
