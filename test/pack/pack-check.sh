#!/usr/bin/env bash
# Packaging check (issue 2's acceptance): a separate Nest app that installs the packed library and
# uses only the README can enqueue, consume, exclude, prioritise and schedule jobs on SQLite and
# PostgreSQL.
#
#   bash test/pack/pack-check.sh            # SQLite, and PostgreSQL too when DATABASE_URL is set
#
# 1. Build the library as `npm run build` does, and `npm pack` it.
# 2. A new app in a temp dir: the README's quick-start files, taken from the README itself (each
#    ```ts block whose first line is `// <file>.ts`), plus the glue they leave to the reader
#    (test/pack/app: the mail client, a User entity, MailModule, JobTypes, the check script).
# 3. The tarball unpacked into the app's node_modules as npm would, its peers and dependencies linked
#    from this repo's node_modules (see below), then `tsc`: the README code must type-check against
#    the packed .d.ts, typed jobs included.
#    MikroORM is the lowest version the peer range allows (the devDependencies pin it); the newest is
#    test/pack/quick-start.sh's, which also follows the quick start with `nest start`.
# 4. check.ts on a SQLite file, and on a fresh PostgreSQL database (AppModule with the PostgreSQL
#    driver, as the README's install line says, and step 5's migration SQL) when DATABASE_URL is set.
#    AppModule carries the README's three lines for the operations console and its admin.guard.ts:
#    admin-check.ts serves it over HTTP (GET /jobs-admin/api/queues: 200 with the token, 403 without).
# PACK_CHECK_KEEP=1 keeps the temp dir. Prints `pack check passed in N s` and exits 0 on success.
set -euo pipefail
started=$(date +%s)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pack-check.XXXXXX")
PG_DB=""
pg_admin() { # pg_admin 'SQL' : one statement on the DATABASE_URL server
  node -e "const pg=require(process.argv[1]);const c=new pg.Client({connectionString:process.argv[2]});c.connect().then(()=>c.query(process.argv[3])).finally(()=>c.end())" \
    "$ROOT/node_modules/pg" "$DATABASE_URL" "$1"
}
cleanup() {
  if [[ -n "$PG_DB" ]]; then pg_admin "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || true; fi
  if [[ -z "${PACK_CHECK_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
step() { echo "pack-check: $*"; }

# `npm run build` (tsc -p tsconfig.lib.json) into a staging copy rather than the shared dist/, which
# other builds may be rewriting meanwhile; `npm pack` there honours package.json's `files` the same way.
step "build and pack"
STAGE="$WORK/stage"
mkdir -p "$STAGE"
node "$ROOT/node_modules/typescript/bin/tsc" -p "$ROOT/tsconfig.lib.json" --outDir "$STAGE/dist"
# The dashboard's bundle (deterministic: the same sources give the same files whoever builds them).
(cd "$ROOT" && npm run --silent build:dashboard)
cp -r "$ROOT/dist/dashboard" "$STAGE/dist/dashboard"
cp "$ROOT/package.json" "$ROOT/README.md" "$STAGE/"
(cd "$STAGE" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL=$(ls "$WORK"/nestjs-job-pipelines-*.tgz)
listing=$(tar -tzf "$TARBALL")
for f in package/dist/lib/index.js package/dist/lib/index.d.ts package/dist/dashboard/app.js package/dist/dashboard/app.css package/README.md; do
  grep -qx "$f" <<<"$listing" || { echo "the tarball lacks $f"; exit 1; }
done
if grep -v '^package/\(dist/lib/\|dist/dashboard/\|README.md$\|package.json$\)' <<<"$listing"; then echo "the tarball holds files it should not (above)"; exit 1; fi
step "$(basename "$TARBALL"): $(wc -l <<<"$listing") files, $(du -k "$TARBALL" | cut -f1) KiB"

step "app from the README in $WORK/app"
APP="$WORK/app"
mkdir -p "$APP/sqlite/src"
echo '{ "name": "pack-check-app", "private": true, "type": "module" }' > "$APP/package.json"
node - "$ROOT/README.md" "$APP/sqlite/src" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [readme, out] = process.argv.slice(2);
const files = [];
for (const m of fs.readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
  const header = /^\/\/ ([\w./-]+\.ts)\n/.exec(m[1]);
  if (!header) continue;
  fs.mkdirSync(path.join(out, path.dirname(header[1])), { recursive: true });
  fs.writeFileSync(path.join(out, header[1]), m[1]);
  files.push(header[1]);
}
const expected = ['app.module.ts', 'mail/mail.jobs.ts', 'signup.controller.ts', 'consumer.ts', 'admin.guard.ts'];
const missing = expected.filter((f) => !files.includes(f));
if (missing.length) throw new Error(`README quick start lacks ${missing.join(', ')} (found ${files.join(', ')})`);
// "Operations console": the three lines for the quick start's app.module.ts, its block's first line
// `// app.module.ts: ...`. Its imports go after the module's last import, the rest after JobsModule.forRoot().
const admin = [...fs.readFileSync(readme, 'utf8').matchAll(/```ts\n\/\/ app\.module\.ts: [^\n]*\n([\s\S]*?)```/g)];
if (admin.length !== 1) throw new Error(`README should show one "// app.module.ts: ..." block (the console's three lines); found ${admin.length}`);
const lines = admin[0][1].split('\n').filter((l) => l.trim() && !l.trim().startsWith('//'));
const imports = lines.filter((l) => l.startsWith('import '));
const rest = lines.filter((l) => !l.startsWith('import '));
if (lines.length !== 3) throw new Error(`the console's block has ${lines.length} lines of code, the README says three`);
const modulePath = path.join(out, 'app.module.ts');
const appModule = fs.readFileSync(modulePath, 'utf8').split('\n');
const lastImport = appModule.findLastIndex((l) => l.startsWith('import '));
appModule.splice(lastImport + 1, 0, ...imports);
const jobsModule = appModule.findIndex((l) => l.includes('JobsModule.forRoot('));
if (jobsModule < 0) throw new Error("the quick start's app.module.ts has no JobsModule.forRoot() line");
appModule.splice(jobsModule + 1, 0, ...rest);
fs.writeFileSync(modulePath, appModule.join('\n'));
console.log(`pack-check: README files: ${files.join(', ')}; app.module.ts with the console's three lines`);
JS
cp -r "$ROOT/test/pack/app/." "$APP/sqlite/src/"
mv "$APP/sqlite/src/tsconfig.json" "$APP/tsconfig.json"
# PostgreSQL: the same app with the README's PostgreSQL driver (`@mikro-orm/postgresql instead`).
cp -r "$APP/sqlite" "$APP/postgresql"
# It also leaves step 1's schema update out, as step 5 says with migrations: check.ts runs step 5's SQL.
sed -i -e "s#from '@mikro-orm/sqlite'#from '@mikro-orm/postgresql'#" -e 's#SqliteDriver#PostgreSqlDriver#g' \
  -e "s#dbName: 'app.sqlite'#clientUrl: process.env.DATABASE_URL#" \
  -e 's#await this.orm.schema.update({ safe: true });#void this.orm; // step 5: migrations#' "$APP/postgresql/src/app.module.ts"
grep -q 'clientUrl: process.env.DATABASE_URL' "$APP/postgresql/src/app.module.ts" && grep -q 'step 5: migrations' "$APP/postgresql/src/app.module.ts" \
  || { echo "README's AppModule changed: update the PostgreSQL edit"; exit 1; }

# npm cannot resolve a fresh app offline (the npm cache holds tarballs, not registry metadata), and
# this check must not download the world: the tarball is unpacked as npm would, and what the app needs
# beside it (the library's dependencies and required peers, the drivers, @types/node) is linked to
# this repo's copies, after checking their versions against the packed package.json's ranges.
step "install the tarball; link its peers"
mkdir -p "$APP/node_modules/nestjs-job-pipelines"
tar -xzf "$TARBALL" -C "$APP/node_modules/nestjs-job-pipelines" --strip-components=1
node - "$ROOT" "$APP" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [root, app] = process.argv.slice(2);
const semver = require(path.join(root, 'node_modules/semver'));
const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/nestjs-job-pipelines/package.json'), 'utf8'));
const optional = pkg.peerDependenciesMeta ?? {};
const peers = Object.keys(pkg.peerDependencies ?? {}).filter((p) => !optional[p]?.optional);
// class-validator and class-transformer: optional peers the console needs (README "Operations console");
// @nestjs/platform-express: the HTTP server a Nest app has, for admin-check.ts.
const extra = ['class-validator', 'class-transformer', '@nestjs/platform-express'];
const wanted = [...new Set([...Object.keys(pkg.dependencies ?? {}), ...peers, ...extra, '@mikro-orm/sqlite', '@mikro-orm/postgresql', '@types/node'])];
for (const name of wanted) {
  const target = path.join(root, 'node_modules', name);
  const { version } = JSON.parse(fs.readFileSync(path.join(target, 'package.json'), 'utf8'));
  const range = pkg.peerDependencies?.[name] ?? pkg.dependencies?.[name];
  if (range && !semver.satisfies(version, range)) throw new Error(`${name}@${version} does not satisfy the packed range ${range}`);
  // The lowest MikroORM the peer range allows (test/pack/quick-start.sh installs the newest).
  const lowest = semver.minVersion(pkg.peerDependencies['@mikro-orm/core']).version;
  if (/^@mikro-orm\/(core|sqlite|postgresql)$/.test(name) && version !== lowest) throw new Error(`${name}@${version}: this check runs on the lowest supported MikroORM, ${lowest}`);
  fs.mkdirSync(path.dirname(path.join(app, 'node_modules', name)), { recursive: true });
  fs.symlinkSync(target, path.join(app, 'node_modules', name));
}
console.log(`pack-check: linked ${wanted.join(', ')}; MikroORM ${semver.minVersion(pkg.peerDependencies['@mikro-orm/core']).version}, the lowest supported`);
JS

# The dashboard finds its bundle inside the installed package (dist/lib/admin/dashboard -> dist/dashboard).
node --input-type=module -e "
  const m = await import(process.argv[1]);
  const assets = new m.DashboardAssets();
  if (!assets.read('app.js') || !assets.read('app.css')) throw new Error('the packed dashboard finds no bundle');
  console.log('pack-check: dashboard bundle in ' + m.findDashboardDir());
" "$APP/node_modules/nestjs-job-pipelines/dist/lib/admin/dashboard/dashboard.assets.js"

step "tsc"
(cd "$APP" && node "$ROOT/node_modules/typescript/bin/tsc" -p tsconfig.json) # both variants, one program

step "run on SQLite"
(cd "$APP/sqlite" && PACK_DB=sqlite DATABASE_URL='' node ../dist/sqlite/src/check.js)
(cd "$APP/sqlite" && PACK_DB=sqlite DATABASE_URL='' node ../dist/sqlite/src/admin-check.js)
if [[ -n "${DATABASE_URL:-}" ]]; then
  step "run on PostgreSQL"
  PG_DB="pack_check_$$_$RANDOM"
  pg_admin "CREATE DATABASE \"$PG_DB\""
  PG_URL=$(node -e "const u=new URL(process.argv[1]);u.pathname='/'+process.argv[2];console.log(u.toString())" "$DATABASE_URL" "$PG_DB")
  (cd "$APP/postgresql" && PACK_DB=postgresql DATABASE_URL="$PG_URL" node ../dist/postgresql/src/check.js)
  (cd "$APP/postgresql" && PACK_DB=postgresql DATABASE_URL="$PG_URL" node ../dist/postgresql/src/admin-check.js)
else
  step "DATABASE_URL is not set: PostgreSQL skipped"
fi
echo "pack check passed in $(($(date +%s) - started)) s"
