/**
 * Issues 1,000 ed25519 user certificates with our code and prints certificates per second.
 * Target: >= 2,000/s. Run: node --import tsx bench/ssh-cert-issuance.ts [count]
 */
import { signSshCertificate } from '@postern/shared/ssh/certificate';
import { generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { report } from './lib/report.ts';

const TARGET_PER_SECOND = 2_000;
const count = Number(process.argv[2] ?? 1_000);
const ca = generateEd25519KeyPair();
// Subjects are made beforehand: in Postern the gateway generates its key, the server only signs.
const subjects = Array.from({ length: count }, () => generateEd25519KeyPair().publicKey);
const validAfter = new Date();
const validBefore = new Date(validAfter.getTime() + 3_600_000);

const issueAll = () => subjects.map((publicKey, i) => signSshCertificate({
  certType: 'user', publicKey, caPrivateKey: ca.privateKey, serial: BigInt(i + 1), keyId: `org:bench session:${i}`,
  principals: ['postern-test'], validAfter, validBefore, extensions: { 'permit-pty': '' },
}));

issueAll(); // warm-up: JIT and node:crypto key caches
const started = process.hrtime.bigint();
const issued = issueAll();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const perSecond = Math.round(issued.length / seconds);
console.log(`ssh-cert-issuance: ${issued.length} ed25519 user certs in ${(seconds * 1000).toFixed(1)} ms = ${perSecond} certs/s (target >= ${TARGET_PER_SECOND})`);
report({ measure: 'SSH user certs, signing alone (ed25519)', unit: 'certs/s', value: perSecond, better: 'higher', target: `≥ ${TARGET_PER_SECOND}/s`, met: perSecond >= TARGET_PER_SECOND });
