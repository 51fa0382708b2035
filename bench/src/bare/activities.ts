/** Returns its input: the cheapest possible activity. */
export async function echo(input: { message: string }): Promise<{ message: string }> {
  return input;
}
