/** A time as the console prints it: minutes, in UTC. Plain, so server components and client ones both call it. */
export function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
