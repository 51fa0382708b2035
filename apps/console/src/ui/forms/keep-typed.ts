import { startTransition, type FormEvent } from 'react';

/**
 * A form's `onSubmit` that sends it to its server action without React's reset: React clears
 * every uncontrolled field (back to its `defaultValue`) once an action passed as `action={...}`
 * finishes, so a refusal or a dry run would cost the person what they typed. The form keeps its
 * `action` for the submission before hydration.
 */
export function sendKeepingTyped(dispatch: (form: FormData) => void) {
  return (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
    startTransition(() => dispatch(data));
  };
}
