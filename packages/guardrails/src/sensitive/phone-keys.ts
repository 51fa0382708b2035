// Object keys whose value is a phone number, however it is spelled: `phone`, `customerPhone`, `phone_numbers`,
// `mobile`, `msisdn`, `fax`. A bare run of digits ("14155550100", or the JSON number) has none of the shapes the
// phone detector needs to tell it from an amount or an id (contact.ts), so only the key says what it is.
const EXACT = new Set(['tel', 'fax', 'cell']);
const SUFFIXES = ['phone', 'phones', 'phonenumber', 'phonenumbers', 'phoneno', 'telephone', 'mobile', 'mobilenumber', 'msisdn', 'cellphone', 'cellnumber', 'faxnumber'];

export function isPhoneKey(key: string): boolean {
  const compact = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return EXACT.has(compact) || SUFFIXES.some((suffix) => compact.endsWith(suffix));
}

/** A phone number written as bare digits (E.164 allows up to 15), a leading `+` at most. */
export const BARE_PHONE_NUMBER = /^\+?\d{7,15}$/;
