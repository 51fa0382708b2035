import type { Detector } from '../types.js';
import { card } from './card.js';
import { email, phone } from './contact.js';
import { iban, ukNino, usSsn } from './national-id.js';
import { airlockApiKey, awsAccessKeyId, bearerToken, githubToken, jwt, privateKeyBlock, secretAssignment, slackToken, stripeKey } from './secrets.js';

/** All text detectors, most specific first: where spans overlap, the earlier detector names the kind. */
export const DETECTORS: readonly Detector[] = [
  privateKeyBlock,
  jwt,
  awsAccessKeyId,
  githubToken,
  slackToken,
  stripeKey,
  airlockApiKey,
  bearerToken,
  secretAssignment,
  usSsn,
  ukNino,
  iban,
  card,
  email,
  phone,
];
