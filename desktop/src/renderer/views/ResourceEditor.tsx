import { useState, type FormEvent } from 'react';
import { zCreateKubernetesResource, zCreateSshResource, zUpdateKubernetesResource, zUpdateSshResource } from '@postern/shared/schemas/resources';
import type { Gateway, Resource } from '../../common/api-types.ts';
import type { PosternBridge, ResourceEntry } from '../../common/bridge.ts';
import { fieldErrorsFrom, validateWith, withoutField, type FieldErrors } from '../logic/field-errors.ts';
import { RESOURCE_FIELD_PATHS, emptyResourceForm, formFromResource, resourceBody, tlsWarning, type ResourceForm } from '../logic/resource-form.ts';
import { gatewayOptionLabel } from '../logic/reachability.ts';
import { AccountsPanel } from './AccountsPanel.tsx';
import { GatewayHealthBadge, ReachabilityPanel, useGatewayHealth } from './ReachabilityPanel.tsx';
import { Field, FormError } from './ui.tsx';

export interface ResourceEditorProps {
  bridge: PosternBridge;
  projectId: string;
  gateways: Gateway[];
  /** The resource being edited; absent when creating one of `type`. */
  entry: ResourceEntry | undefined;
  type: 'ssh' | 'kubernetes';
  /** Resolves once the app has reloaded what changed. */
  onSaved(resource: Resource): Promise<void>;
  onDeleted(): void;
  onClose(): void;
}

async function saveResource(bridge: PosternBridge, projectId: string, form: ResourceForm, existing: Resource | undefined) {
  const body = resourceBody(form);
  if (form.type === 'ssh') {
    if (existing) {
      const checked = validateWith(zUpdateSshResource, body);
      return checked.ok ? { resource: await bridge.call('resources.updateSsh', { resourceId: existing.id, changes: checked.value }) } : checked;
    }
    const checked = validateWith(zCreateSshResource, { projectId, ...body });
    return checked.ok ? { resource: await bridge.call('resources.createSsh', checked.value) } : checked;
  }
  if (existing) {
    const checked = validateWith(zUpdateKubernetesResource, body);
    return checked.ok ? { resource: await bridge.call('resources.updateKubernetes', { resourceId: existing.id, changes: checked.value }) } : checked;
  }
  const checked = validateWith(zCreateKubernetesResource, { projectId, ...body });
  return checked.ok ? { resource: await bridge.call('resources.createKubernetes', checked.value) } : checked;
}

export function ResourceEditor(props: ResourceEditorProps) {
  const existing = props.entry?.resource;
  const [form, setForm] = useState<ResourceForm>(() => (existing ? formFromResource(existing) : emptyResourceForm(props.type, props.gateways)));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const set = <K extends keyof ResourceForm>(key: K, value: ResourceForm[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setErrors((current) => withoutField(current, RESOURCE_FIELD_PATHS[key]));
    setSaved(false);
  };
  const warning = tlsWarning(form);
  const healthById = useGatewayHealth(props.bridge, props.gateways);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const result = await saveResource(props.bridge, props.projectId, form, existing);
      if ('resource' in result) {
        await props.onSaved(result.resource);
        setSaved(true);
      } else {
        setErrors(result.errors);
      }
    } catch (error) {
      setErrors(fieldErrorsFrom(error));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!existing) return;
    setBusy(true);
    try {
      await props.bridge.call('resources.delete', { type: existing.type, resourceId: existing.id });
      props.onDeleted();
    } catch (error) {
      setErrors(fieldErrorsFrom(error));
      setBusy(false);
    }
  };

  const kind = form.type === 'ssh' ? 'SSH server' : 'Kubernetes cluster';
  return (
    <section className="content editor" aria-labelledby="editor-title">
      <header className="page-header">
        <div>
          <button type="button" className="link" onClick={props.onClose}>← Back to resources</button>
          <h1 id="editor-title">{existing ? existing.name : `New ${kind}`}</h1>
          <p className="muted">{existing ? `${kind} · created ${new Date(existing.createdAt).toLocaleDateString()}` : `Where the gateway connects, and through which gateway.`}</p>
        </div>
      </header>

      <form className="card form" onSubmit={submit} noValidate aria-label={`${kind} settings`}>
        <FormError message={errors['']} />
        <div className="form-grid">
          <Field label="Name" name="name" error={errors.name}>
            <input id="name" value={form.name} onChange={(e) => set('name', e.target.value)} placeholder={form.type === 'ssh' ? 'web-1' : 'prod-cluster'} />
          </Field>
          <Field label="Gateway" name="gatewayId" error={errors.gatewayId}
            hint={props.gateways.length === 0 ? 'No gateway is registered in this org yet: register one first.' : 'The gateway inside the network that reaches this resource.'}>
            <div className="gateway-picker">
              <select id="gatewayId" value={form.gatewayId} onChange={(e) => set('gatewayId', e.target.value)}>
                {props.gateways.length === 0 ? <option value="">No gateways</option> : null}
                {props.gateways.map((gateway) => <option key={gateway.id} value={gateway.id}>{gatewayOptionLabel(gateway, healthById.get(gateway.id))}</option>)}
              </select>
              {form.gatewayId ? <GatewayHealthBadge health={healthById.get(form.gatewayId)} /> : null}
            </div>
          </Field>
          {form.type === 'ssh' ? <SshFields form={form} errors={errors} set={set} /> : <KubernetesFields form={form} errors={errors} set={set} />}
          <Field label="Description" name="description" error={errors.description}>
            <input id="description" value={form.description} onChange={(e) => set('description', e.target.value)} placeholder="Optional: what it is, who uses it" />
          </Field>
        </div>
        {warning ? <div className="banner banner-warning" role="alert">{warning}</div> : null}
        <div className="form-actions">
          {existing ? <DeleteControl name={existing.name} busy={busy} onDelete={remove} /> : <span />}
          <div className="form-actions-right">
            {saved ? <span className="saved" role="status">Saved</span> : null}
            <button type="button" className="button" onClick={props.onClose}>Cancel</button>
            <button type="submit" className="button button-primary" disabled={busy}>{existing ? 'Save changes' : `Create ${kind}`}</button>
          </div>
        </div>
      </form>

      {existing ? <ReachabilityPanel bridge={props.bridge} resource={existing} /> : null}
      {existing ? <AccountsPanel bridge={props.bridge} resource={existing} accounts={props.entry?.accounts ?? []} onChanged={() => void props.onSaved(existing)} /> : null}
    </section>
  );
}

interface FieldsProps {
  form: ResourceForm;
  errors: FieldErrors;
  set<K extends keyof ResourceForm>(key: K, value: ResourceForm[K]): void;
}

function SshFields({ form, errors, set }: FieldsProps) {
  return (
    <>
      <Field label="Host" name="host" error={errors.host} hint="Host name or IP address, as the gateway resolves it.">
        <input id="host" className="mono" value={form.host} onChange={(e) => set('host', e.target.value)} placeholder="web-1.internal" />
      </Field>
      <Field label="Port" name="port" error={errors.port}>
        <input id="port" className="mono" inputMode="numeric" value={form.port} onChange={(e) => set('port', e.target.value)} />
      </Field>
    </>
  );
}

function KubernetesFields({ form, errors, set }: FieldsProps) {
  return (
    <>
      <Field label="API server URL" name="url" error={errors.url}>
        <input id="url" className="mono" value={form.url} onChange={(e) => set('url', e.target.value)} placeholder="https://10.0.0.1:6443" />
      </Field>
      <Field label="TLS verification" name="tls.verify" error={errors['tls.verify'] ?? errors.tls}>
        <label className="checkbox" htmlFor="tls.verify">
          <input id="tls.verify" type="checkbox" checked={form.verifyTls} onChange={(e) => set('verifyTls', e.target.checked)} />
          Verify the API server's certificate
        </label>
      </Field>
      {form.verifyTls ? (
        <Field label="Cluster CA (PEM)" name="tls.caCertificate" error={errors['tls.caCertificate']} hint="Leave empty to use the gateway's system trust store.">
          <textarea id="tls.caCertificate" className="mono" rows={4} value={form.caCertificate} onChange={(e) => set('caCertificate', e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" />
        </Field>
      ) : null}
    </>
  );
}

/** Deleting takes two clicks: the first asks, naming what goes with the resource. */
function DeleteControl({ name, busy, onDelete }: { name: string; busy: boolean; onDelete(): void }) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) return <button type="button" className="button button-danger-ghost" onClick={() => setConfirming(true)}>Delete resource</button>;
  return (
    <span className="confirm">
      Delete {name} and its accounts?
      <button type="button" className="button button-danger button-small" onClick={onDelete} disabled={busy}>Delete</button>
      <button type="button" className="button button-small" onClick={() => setConfirming(false)}>Keep</button>
    </span>
  );
}
