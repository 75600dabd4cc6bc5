/**
 * The steps of opening a session, in order, told to an optional listener as each one finishes:
 * the CLI's POSTERN_TIMINGS=1 and the connect-time benchmark use them to say where time goes.
 * resource: the session request (naming resource and account) is sent · session: the server
 * created the session · relay: TLS to the relay up · gateway: inner TLS to the gateway up and the
 * session admitted (the gateway starts its login to the target then) · ssh: SSH to the gateway's
 * bridge ready · shell: the bridge accepted the shell channel · output: the first bytes from the
 * remote shell.
 */
export type ConnectStep = 'resource' | 'session' | 'relay' | 'gateway' | 'ssh' | 'shell' | 'output';

export type OnConnectStep = (step: ConnectStep) => void;
