/** A chat and a shared board of per-user notes, each in a few lines thanks to the hooks. */
import { useState } from 'react';
import { LeaseError } from 'web2p';
import { useMesh, useSyncDict } from './hooks.js';

const room = (name: string): string => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${name}`;

export function App() {
  const { socket, messages, error } = useMesh(room('chat'));
  const notes = useSyncDict(room('notes'), { persist: true });
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState('');

  const saveNote = (): void => {
    try {
      notes.set(`note:${notes.id}`, draft); // one key per user: the lease guards it for its owner
      setProblem('');
    } catch (e) {
      setProblem(e instanceof LeaseError ? `held by ${e.owner}` : String(e));
    }
  };

  return (
    <main>
      <h1>Chat {error ? `(${error.message})` : socket ? '' : '(joining…)'}</h1>
      <ul>
        {messages.map((msg, i) => (
          <li key={i}>{`${msg.sender.slice(0, 6)}: ${String(msg.packets[1])}`}</li>
        ))}
      </ul>
      <button onClick={() => socket?.send('hello')}>Say hello</button>
      <h1>Notes</h1>
      <ul>
        {notes.entries.map(([key, value]) => (
          <li key={String(key)}>{`${String(key)}: ${String(value)}`}</li>
        ))}
      </ul>
      <input value={draft} onChange={(event) => setDraft(event.target.value)} />
      <button onClick={saveNote}>Save my note</button> {problem}
    </main>
  );
}
