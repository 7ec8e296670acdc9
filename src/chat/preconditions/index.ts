import type { Role } from '../types.js';
import { RequireAdmin } from './require-admin.js';
import { RequireOperator } from './require-operator.js';
import type { Precondition } from './types.js';

export type { Precondition, PreconditionResult } from './types.js';
export { RequireAdmin, RequireOperator };

/** The check a command's minimum role stands for; anyone may run a holder command. */
export function preconditionsFor(role: Role): Precondition[] {
  switch (role) {
    case 'holder':
      return [];
    case 'operator':
      return [RequireOperator];
    case 'admin':
      return [RequireAdmin];
  }
}
