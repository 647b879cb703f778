import { InitialSchema1795995504370 } from './1795995504370-InitialSchema';
import { CleanupLifecycle1795997982219 } from './1795997982219-CleanupLifecycle';
import { AccountGroups1796323212076 } from './1796323212076-AccountGroups';
import { AccountHealth1796323212166 } from './1796323212166-AccountHealth';
import { InstagramLogin1796325381407 } from './1796325381407-InstagramLogin';

/** In order. Generate with `npm run migration:generate -- <Name>`, then add the class here. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  InitialSchema1795995504370,
  CleanupLifecycle1795997982219,
  AccountGroups1796323212076,
  AccountHealth1796323212166,
  InstagramLogin1796325381407,
];
