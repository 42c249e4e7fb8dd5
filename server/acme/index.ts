export { acmeSettings } from './settings';
export { challengeHttpResponse, challengeResponse } from './challenges';
export { currentCertificate, renewIfDue, renewalTime, startAcme } from './renewal';
export { readAcmeState, type AcmeState } from './state';
