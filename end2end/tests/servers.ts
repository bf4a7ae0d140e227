// The servers the suite runs (playwright.config.ts starts them with serve.sh):
// `app` serves the specs that share it, two at a time; `https` is the
// built-in HTTPS listener (HTTP/2, self-signed certificate); `tamper` is
// broken on purpose by z-tamper.spec.ts. Each has its own data directory.
import { join } from 'node:path';

export type ServerName = 'app' | 'https' | 'tamper';
export const servers: ServerName[] = ['app', 'https', 'tamper'];

export const dataRoot = join(__dirname, '..', '.data');
export const dataDirOf = (server: ServerName) => join(dataRoot, server);

/// The `kura` binary the servers run (the release build in CI).
export const kuraBin =
  process.env.KURA_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(__dirname, '..', '..', 'target'), 'debug', 'kura');
