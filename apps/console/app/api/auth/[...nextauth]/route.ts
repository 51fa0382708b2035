import { handlers } from '../../../../src/console/auth.js';

export const { GET, POST } = handlers;
