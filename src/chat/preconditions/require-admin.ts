import { msg } from '../../i18n/index.js';
import { hasRole } from '../roles.js';
import type { Precondition } from './types.js';

/** Settings and anything that shows how the bot is set up: admins only. */
export const RequireAdmin: Precondition = {
  identifier: 'RequireAdmin',
  check(caller, command) {
    if (hasRole(caller.role, 'admin')) return { ok: true };
    return {
      ok: false,
      identifier: this.identifier,
      message: msg('err.forAdmins', { command: command.name }),
    };
  },
};
