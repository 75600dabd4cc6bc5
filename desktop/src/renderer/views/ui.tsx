import type { ReactNode } from 'react';

/** Small building blocks every screen shares, so spacing and error placement stay consistent. */

export function Field(props: { label: string; name: string; error?: string | undefined; hint?: ReactNode; children: ReactNode }) {
  const errorId = `${props.name}-error`;
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`} data-field={props.name}>
      <label htmlFor={props.name}>{props.label}</label>
      {props.children}
      {props.error ? <p className="field-error" id={errorId} role="alert">{props.error}</p> : props.hint ? <p className="field-hint">{props.hint}</p> : null}
    </div>
  );
}

export function FormError({ message }: { message: string | undefined }) {
  return message ? <div className="banner banner-error" role="alert">{message}</div> : null;
}

export function Badge({ kind, children }: { kind: string; children: ReactNode }) {
  return <span className={`badge badge-${kind}`}>{children}</span>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return <div className="spinner" role="status"><span className="spinner-dot" />{label}</div>;
}
