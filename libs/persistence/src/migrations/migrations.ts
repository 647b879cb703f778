import { InitialSchema1795995504370 } from './1795995504370-InitialSchema';
import { CleanupLifecycle1795997982219 } from './1795997982219-CleanupLifecycle';
import { InstagramLogin1796325381407 } from './1796325381407-InstagramLogin';

/** In order. Generate with `npm run migration:generate -- <Name>`, then add the class here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  InitialSchema1795995504370,
  CleanupLifecycle1795997982219,
  InstagramLogin1796325381407,
];
