import { useEffect, useState } from 'preact/hooks';

interface DevPerson {
  id: string;
  name: string;
  kind: string;
  about: string;
}

/**
 * Signing in with a development token: the gateway of `npm start` lists the demo
 * practice's people (`/dev/people`, only with its development secret); elsewhere a
 * token from `npm run token` is pasted. Real sign-in belongs to the platform.
 */
export function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [people, setPeople] = useState<DevPerson[] | null | undefined>(undefined);
  const [practice, setPractice] = useState('');
  const [error, setError] = useState('');
  const [pasted, setPasted] = useState('');

  useEffect(() => {
    fetch('/dev/people')
      .then(async (response) => {
        if (!response.ok) return setPeople(null);
        const list = (await response.json()) as { practice: { name: string }; people: DevPerson[] };
        setPractice(list.practice.name);
        setPeople(list.people);
      })
      .catch(() => setPeople(null));
  }, []);

  async function signInAs(personId: string) {
    setError('');
    const response = await fetch('/dev/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ personId }),
    });
    const answer = await response.json();
    if (!response.ok) return setError(answer.detail ?? 'Could not sign in');
    onToken(answer.token);
  }

  return (
    <main class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Huddle</h1>
      {people === undefined && (
        <p class="empty" aria-live="polite">
          Loading…
        </p>
      )}
      {people && (
        <section aria-labelledby="people-title">
          <h2 id="people-title">Development sign-in: {practice}</h2>
          {people.length === 0 ? (
            <p>
              The demo practice is empty: run <code>npm run seed</code>, then reload.
            </p>
          ) : (
            <ul class="people">
              {people.map((person) => (
                <li key={person.id}>
                  <button type="button" class="person" onClick={() => signInAs(person.id)}>
                    <span class="avatar" aria-hidden="true">
                      {person.name.slice(0, 1)}
                    </span>
                    <span>
                      <strong>{person.name}</strong>
                      <small>{person.about}</small>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <form
        class="token-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (pasted.trim()) onToken(pasted.trim());
        }}
      >
        <label for="token">Or paste a token</label>
        <textarea
          id="token"
          rows={3}
          value={pasted}
          placeholder="npm run token -- <personId> --practice <practiceId>"
          onInput={(event) => setPasted(event.currentTarget.value)}
        />
        <button type="submit">Sign in with token</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </main>
  );
}
