import { msg } from '../../i18n/index.js';
import { hasRole } from '../roles.js';
import type { Precondition } from './types.js';

/** Money-moving and chain-reading commands: operators and admins only. */
export const RequireOperator: Precondition = {
  identifier: 'RequireOperator',
  check(caller, command) {
    if (hasRole(caller.role, 'operator')) return { ok: true };
    return {
      ok: false,
      identifier: this.identifier,
      message: msg('err.forOperators', { command: command.name }),
    };
  },
};
