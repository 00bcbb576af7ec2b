import { cloneElement, type ComponentChildren, type VNode } from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError } from '../api/errors';

// The few pieces every settings section shares: a running action with its error, labelled
// fields that show the API's per-field errors, inline confirmations, and secrets shown once.

/** One action at a time (save, delete, ...): busy while it runs, its error kept until the next run. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, clear: () => setError(null) };
}

/**
 * A form's submit: no page reload, `action`'s error kept for the form, and `saved` once it
 * succeeded. The action resets or reloads what it needs after its API call; a failed call skips that.
 */
export function useSubmit(action: () => Promise<unknown>) {
  const run = useAction();
  const [saved, setSaved] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setSaved(false);
    if (await run.run(action)) setSaved(true);
  }
  return { ...run, saved, submit };
}

/** The API's messages for one field of a validation problem (`errors.{name}`). */
export function fieldErrors(error: unknown, name: string): string[] {
  return error instanceof ApiError ? error.errors?.[name] ?? [] : [];
}

/**
 * A labelled control (`children` is the one input, select or textarea): the label names it
 * alone, and the API's errors for `name` appear under it, marking it invalid.
 */
export function Field(props: { label: string; name: string; error: unknown; hint?: string; children: VNode<Record<string, unknown>> }) {
  const id = useId();
  const messages = fieldErrors(props.error, props.name);
  const noted = messages.length > 0 || props.hint !== undefined;
  const control = cloneElement(props.children, {
    id,
    'aria-invalid': messages.length > 0 ? true : undefined,
    'aria-describedby': noted ? `${id}-note` : undefined,
  });
  return (
    <div class={messages.length ? 'field invalid' : 'field'}>
      <label class="field-label" for={id}>{props.label}</label>
      {control}
      <div id={`${id}-note`}>
        {props.hint && <small class="muted">{props.hint}</small>}
        {messages.map((m) => <p key={m} class="field-error" role="alert">{m}</p>)}
      </div>
    </div>
  );
}

/**
 * A form's error: everything not already shown under one of `fields` (a validation problem's
 * other fields, or any other problem as its readable sentence). Never swallowed.
 */
export function FormError(props: { error: unknown; fields?: string[] }) {
  const { error, fields = [] } = props;
  if (!error) return null;
  if (error instanceof ApiError && error.errors && Object.keys(error.errors).length) {
    const rest = Object.entries(error.errors).filter(([name]) => !fields.includes(name)).flatMap(([, m]) => m);
    return rest.length ? <p class="error" role="alert">{rest.join(' ')}</p> : null;
  }
  const text = error instanceof Error ? error.message : String(error);
  return <p class="error" role="alert">{text}</p>;
}

/** A destructive button that asks once more, inline (keyboard-usable, no browser dialog); `what` names its target for screen readers. */
export function Confirm(props: { label: string; what?: string | null; question: string; confirm: string; busy?: boolean; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" class="danger" aria-label={props.what ? `${props.label} ${props.what}` : undefined} onClick={() => setAsking(true)}>{props.label}</button>;
  return (
    <span class="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button type="button" class="danger solid" disabled={props.busy} onClick={() => { setAsking(false); props.onConfirm(); }}>{props.confirm}</button>
      <button type="button" onClick={() => setAsking(false)} ref={(b) => b?.focus()}>Cancel</button>
    </span>
  );
}

/** A secret the API shows only once (webhook signing secret, API key), with a copy button. */
export function SecretOnce(props: { title: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied('Copied.');
    } catch {
      setCopied('Copying is blocked here: select the text and copy it by hand.');
    }
  }
  return (
    <div class="secret card" role="status">
      <strong>{props.title}</strong>
      <p class="muted">Shown only now: store it somewhere safe. It cannot be shown again.</p>
      <div class="secret-row">
        <code class="secret-value">{props.value}</code>
        <button type="button" onClick={copy}>Copy</button>
      </div>
      {copied && <p class="muted">{copied}</p>}
      <button type="button" onClick={props.onDone}>Done, I stored it</button>
    </div>
  );
}

/** A section's frame: its heading, an intro line and the content. */
export function Section(props: { title: string; intro?: string; children: ComponentChildren }) {
  return (
    <section class="settings-section" aria-labelledby="settings-heading">
      <h2 id="settings-heading">{props.title}</h2>
      {props.intro && <p class="muted">{props.intro}</p>}
      {props.children}
    </section>
  );
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
