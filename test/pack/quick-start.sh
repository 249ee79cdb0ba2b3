#!/usr/bin/env bash
# The README's quick start, followed to the letter by a new user's app on the packed tarball
# (issue 16's acceptance):
#
#   bash test/pack/quick-start.sh   # SQLite, and PostgreSQL too when DATABASE_URL is set; needs the
#                                   # npm registry; ~30 s a database with a warm npm cache
#
# 1. Build the library as `npm run build` does, and `npm pack` it.
# 2. A new Nest app in a temp dir: package.json (ESM, the scripts `start` and `start:consumer` that
#    the README names), tsconfig.json and main.ts as a new app has them, the README's nest-cli.json
#    and its quick-start files (each ```ts block whose first line is `// <file>.ts`), plus the code
#    the README leaves to the reader (test/pack/app: the mail client, a User entity, MailModule).
# 3. Packages from the registry: what a new Nest app has beyond the README's install line (the
#    Nest CLI, @nestjs/platform-express for main.ts's HTTP server, @types/node), then the README's
#    install line as written, with the tarball in place of the package name. Peers come as npm
#    resolves them, so @mikro-orm/* are the newest the line allows (the suite runs on the lowest).
# 4. `npm start` (nest start: builds, boots, creates the tables at init), POST /signups (a user and
#    its mail.welcome job in one transaction), stop; `npm run start:consumer -- -- --until-empty`
#    (nest start --entryFile consumer, the README's double `--`); the job is completed with the
#    mail client's output. With DATABASE_URL, again with the README's PostgreSQL driver in a copy of
#    the app, on a fresh database.
# QUICK_START_KEEP=1 keeps the temp dir. Prints `quick start passed in N s` and exits 0 on success.
set -euo pipefail
started=$(date +%s)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/quick-start.XXXXXX")
SERVER_PID=""
PG_DB=""
pg_admin() { # pg_admin 'SQL' : one statement on the DATABASE_URL server
  node -e "const pg=require(process.argv[1]);const c=new pg.Client({connectionString:process.argv[2]});c.connect().then(()=>c.query(process.argv[3])).finally(()=>c.end())" \
    "$ROOT/node_modules/pg" "$DATABASE_URL" "$1"
}
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill -- "-$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n "$PG_DB" ]]; then pg_admin "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || true; fi
  if [[ -z "${QUICK_START_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
step() { echo "quick-start: $*"; }
npm_quiet() { npm --no-audit --no-fund --loglevel=error "$@"; }

step "build and pack"
STAGE="$WORK/stage"
mkdir -p "$STAGE"
node "$ROOT/node_modules/typescript/bin/tsc" -p "$ROOT/tsconfig.lib.json" --outDir "$STAGE/dist"
cp "$ROOT/package.json" "$ROOT/README.md" "$STAGE/"
(cd "$STAGE" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL=$(ls "$WORK"/nestjs-job-pipelines-*.tgz)

APP="$WORK/app-sqlite"
step "a new Nest app in $APP"
mkdir -p "$APP/src"
cat >"$APP/package.json" <<'JSON'
{
  "name": "quick-start-app",
  "private": true,
  "type": "module",
  "scripts": { "start": "nest start", "start:consumer": "nest start --entryFile consumer" }
}
JSON
cat >"$APP/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "ES2023",
    "outDir": "./dist",
    "rootDir": "./src",
    "strict": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "include": ["src"]
}
JSON
cat >"$APP/src/main.ts" <<'TS'
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
TS

# The README, section "Quick start": its install line, its nest-cli.json, its files.
node - "$ROOT/README.md" "$APP" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [readme, app] = process.argv.slice(2);
const text = fs.readFileSync(readme, 'utf8');
const start = text.indexOf('\n## Quick start\n');
const end = text.indexOf('\n## ', start + 1);
if (start < 0) throw new Error('README has no "## Quick start" section');
const section = text.slice(start, end);
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
const install = blocks.filter((b) => b.lang === 'bash').flatMap((b) => b.body.split('\n')).find((l) => l.startsWith('npm install '));
if (!install) throw new Error('the quick start has no `npm install ...` line');
fs.writeFileSync(path.join(app, 'install-line'), install.trim());
const json = blocks.filter((b) => b.lang === 'json');
if (json.length !== 1) throw new Error(`the quick start should show one nest-cli.json; found ${json.length} json blocks`);
fs.writeFileSync(path.join(app, 'nest-cli.json'), json[0].body);
const files = [];
for (const b of blocks.filter((b) => b.lang === 'ts')) {
  const header = /^\/\/ ([\w./-]+\.ts)\n/.exec(b.body);
  if (!header) continue;
  const to = path.join(app, 'src', header[1]);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, b.body);
  files.push(header[1]);
}
const expected = ['app.module.ts', 'mail/mail.jobs.ts', 'signup.controller.ts', 'consumer.ts'];
const missing = expected.filter((f) => !files.includes(f));
if (missing.length) throw new Error(`README quick start lacks ${missing.join(', ')} (found ${files.join(', ')})`);
console.log(`quick-start: README: \`${install.trim()}\`, nest-cli.json, ${files.join(', ')}`);
JS
SOURCE_ROOT=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).sourceRoot)' "$APP/nest-cli.json")
[[ "$SOURCE_ROOT" == "src" && -f "$APP/src/consumer.ts" ]] || { echo "nest-cli.json's sourceRoot ($SOURCE_ROOT) does not hold consumer.ts"; exit 1; }
mkdir -p "$APP/src/mail" "$APP/src/users"
cp "$ROOT/test/pack/app/mail/mail.client.ts" "$ROOT/test/pack/app/mail/mail.module.ts" "$APP/src/mail/"
cp "$ROOT/test/pack/app/users/user.entity.ts" "$APP/src/users/"
cat >"$APP/src/job-state.ts" <<'TS'
// Not the README's: prints a job's state and output, read through the app's own JobQueue.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JobQueue } from 'nestjs-job-pipelines';
import { AppModule } from './app.module.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
const job = await app.get(JobQueue).get(Number(process.argv[2]));
console.log(JSON.stringify({ state: job.state, output: job.output }));
await app.close();
TS

INSTALL_LINE=$(cat "$APP/install-line")
rm "$APP/install-line"
# PostgreSQL (when DATABASE_URL is set): the same app with the README's other driver, "@mikro-orm/postgresql
# instead of @mikro-orm/sqlite", on a fresh database. Its newest release may differ from SQLite's.
if [[ -n "${DATABASE_URL:-}" ]]; then
  cp -r "$APP" "$WORK/app-postgresql"
  sed -i -e "s#from '@mikro-orm/sqlite'#from '@mikro-orm/postgresql'#" -e 's#SqliteDriver#PostgreSqlDriver#g' \
    -e "s#dbName: 'app.sqlite'#clientUrl: process.env.DATABASE_URL#" "$WORK/app-postgresql/src/app.module.ts"
  grep -q 'clientUrl: process.env.DATABASE_URL' "$WORK/app-postgresql/src/app.module.ts" || { echo "README's AppModule changed: update the PostgreSQL edit"; exit 1; }
fi

# follow <app dir> <install line> [env...]: install, npm start + POST /signups, the consumer, the job's state.
follow() {
  local app=$1 line=$2 label
  shift 2
  label=$(basename "$app")
  step "$label: install a new Nest app's packages, then \`$line\`"
  local install
  read -ra install <<<"${line/nestjs-job-pipelines/$TARBALL}"
  (cd "$app" && npm_quiet install --save-dev @nestjs/cli@12 @types/node@22 && npm_quiet install @nestjs/platform-express@12 \
    && npm_quiet "${install[@]:1}") >/dev/null
  (cd "$app" && npm ls --depth=0 2>/dev/null | grep -E '@mikro-orm|@nestjs/(core|cli)|nestjs-job-pipelines' | sed "s/^/quick-start: $label: /")

  step "$label: npm start (nest start: build, boot, create the tables), POST /signups"
  local port response job_id state
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  # Its own process group (setsid), so stopping it stops npm, nest and the app together.
  env "$@" PORT="$port" setsid bash -c 'cd "$1" && exec npm start' - "$app" >"$WORK/$label-server.log" 2>&1 &
  SERVER_PID=$!
  response=$(node - "$port" "$SERVER_PID" <<'JS'
const [port, pid] = process.argv.slice(2);
const deadline = Date.now() + 90_000;
(async () => {
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/signups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@example.test"}' });
      if (r.status !== 201) throw new Error(`POST /signups answered ${r.status}: ${await r.text()}`);
      console.log(await r.text());
      return;
    } catch (error) {
      if (error.cause?.code !== 'ECONNREFUSED' || Date.now() > deadline) throw error;
      try {
        process.kill(Number(pid), 0);
      } catch {
        throw new Error('npm start exited before answering (its log follows)');
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
})().catch((error) => { console.error(String(error)); process.exit(1); });
JS
  ) || { cat "$WORK/$label-server.log"; exit 1; }
  kill -- "-$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  job_id=$(node -e 'console.log(JSON.parse(process.argv[1]).jobId)' "$response")
  step "$label: POST /signups -> $response"

  step "$label: npm run start:consumer -- -- --until-empty"
  (cd "$app" && env "$@" timeout 120 npm run start:consumer -- -- --until-empty >"$WORK/$label-consumer.log" 2>&1) \
    || { cat "$WORK/$label-consumer.log"; exit 1; }
  state=$(cd "$app" && env "$@" node dist/job-state.js "$job_id")
  step "$label: job $job_id: $state"
  node -e '
    const j = JSON.parse(process.argv[1]);
    if (j.state !== "completed" || !/@pack-check\.local>$/.test(j.output?.messageId ?? "")) { console.error("mail.welcome did not complete as expected"); process.exit(1); }
  ' "$state"
}

follow "$APP" "$INSTALL_LINE" DATABASE_URL=
if [[ -n "${DATABASE_URL:-}" ]]; then
  PG_DB="quick_start_$$_$RANDOM"
  pg_admin "CREATE DATABASE \"$PG_DB\""
  PG_URL=$(node -e "const u=new URL(process.argv[1]);u.pathname='/'+process.argv[2];console.log(u.toString())" "$DATABASE_URL" "$PG_DB")
  follow "$WORK/app-postgresql" "${INSTALL_LINE/@mikro-orm\/sqlite/@mikro-orm/postgresql}" DATABASE_URL="$PG_URL"
else
  step "DATABASE_URL is not set: PostgreSQL skipped"
fi
echo "quick start passed in $(($(date +%s) - started)) s"
