// Errors a caller can fix, as the contract names them. Carriers answer them as the caller's mistake (HTTP 4xx),
// never as a bug (500), so a wrong choice reads as advice instead of a crash.

/** The request asks for something the core does not offer or accept; the message says what it does. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
