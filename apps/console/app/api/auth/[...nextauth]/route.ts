import { handlers } from '../../../../src/ui/auth/auth-js.js';

export const { GET, POST } = handlers;
