// Builds the project's container images with podman or docker, whichever answers.
//
//   npm run image -- [app|kafka|registry|redis|services|all …] [--local-base]
//
// `app` (the default) is the processor (Containerfile). kafka, registry and redis are the
// services of the compose file and of the tests' container path (services/*.Containerfile);
// Kafka and the registry are built from the same Maven Central artifacts the local stack
// uses, resolved on first use. By default the images build on the public Debian and Node
// images; --local-base builds those two bases here instead, for machines that cannot reach
// an image registry: Debian by debootstrap (root, the `debootstrap` package, ~5 min, once),
// Node and npm from the npm registry's packages. Bases that exist already are reused; the
// rest relies on the engine's layer cache. Exit codes: 0 built, 1 a build failed, 2 usage
// error or a missing tool.
import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dirs } from '../../src/stack/stack.ts'
import { APICURIO_VERSION, KAFKA_VERSION, resolveArtifacts } from '../../src/stack/services.ts'
import {
  findEngine, IMAGES, imageExists, imageSize, localBases, PUBLIC_BASES, SERVICE_TARGETS, type Engine, type ImageTarget
} from './images.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const here = fileURLToPath(new URL('./', import.meta.url))
const DEBIAN_SUITE = 'trixie'
const DEBIAN_MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'
// The npm that goes into the local Node base (the public Node 24 image ships npm 11 too).
const NPM_VERSION = '11.19.1'

class UsageError extends Error {}

const say = (line: string): void => {
  process.stderr.write(`[image] ${line}\n`)
}

const run = (command: string, args: readonly string[], cwd = root): void => {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`)
}

/** A copy of a tree made of hard links where the file system allows, so staging is cheap. */
const linkTree = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true })
  for (const name of readdirSync(from)) {
    const source = join(from, name)
    if (statSync(source).isDirectory()) {
      linkTree(source, join(to, name))
      continue
    }
    try {
      linkSync(source, join(to, name))
    } catch {
      copyFileSync(source, join(to, name))
    }
  }
}

const withContext = <T>(stage: (dir: string) => void, use: (dir: string) => T): T => {
  const dir = mkdtempSync(join(tmpdir(), 'parcel-risk-image-'))
  try {
    stage(dir)
    return use(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Built { readonly image: string, readonly seconds: number }

// The Containerfile's npm steps read the certificate authorities of a TLS-inspecting proxy
// from the build secret `ca`; an empty file when NODE_EXTRA_CA_CERTS names none.
const caSecret = (dir: string): string => {
  const file = process.env.NODE_EXTRA_CA_CERTS
  if (file !== undefined && file !== '' && existsSync(file)) return file
  const empty = join(dir, 'no-extra-ca.pem')
  writeFileSync(empty, '')
  return empty
}

const build = (
  engine: Engine, image: string, file: string, context: string, baseImage: string | undefined
): Built => {
  const secrets = mkdtempSync(join(tmpdir(), 'parcel-risk-secret-'))
  try {
    return buildWith(engine, image, file, context, baseImage, caSecret(secrets))
  } finally {
    rmSync(secrets, { recursive: true, force: true })
  }
}

const buildWith = (
  engine: Engine, image: string, file: string, context: string, baseImage: string | undefined, ca: string
): Built => {
  const args = ['build', '-f', file, '-t', image, '--secret', `id=ca,src=${ca}`]
  // Podman writes OCI images by default, which have no HEALTHCHECK; the Docker format keeps it.
  if (engine === 'podman') args.push('--format', 'docker')
  if (baseImage !== undefined) args.push('--build-arg', `BASE_IMAGE=${baseImage}`)
  args.push(context)
  say(`building ${image}`)
  const started = Date.now()
  run(engine, args)
  return { image, seconds: Math.round((Date.now() - started) / 100) / 10 }
}

// --- local bases ----------------------------------------------------------------------------

const debianBase = async (engine: Engine, image: string): Promise<Built | undefined> => {
  if (imageExists(engine, image)) return undefined
  if (spawnSync('debootstrap', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new UsageError('debootstrap is required for --local-base. Install it: apt-get install -y debootstrap')
  }
  say(`making ${image} with debootstrap (${DEBIAN_SUITE}, ${DEBIAN_MIRROR}); this takes a few minutes`)
  const started = Date.now()
  const rootfs = mkdtempSync(join(tmpdir(), 'parcel-risk-rootfs-'))
  try {
    const r = spawnSync('debootstrap', ['--variant=minbase', DEBIAN_SUITE, rootfs, DEBIAN_MIRROR], { encoding: 'utf8' })
    if (r.status !== 0) {
      const tail = `${r.stdout}${r.stderr}`.split('\n').slice(-20).join('\n')
      throw new Error(`debootstrap failed (exit ${r.status ?? r.signal}):\n${tail}`)
    }
    // Security updates as well; package lists and downloaded packages are not part of an image.
    writeFileSync(join(rootfs, 'etc/apt/sources.list'), [
      `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE} main`,
      `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE}-updates main`,
      `deb ${DEBIAN_MIRROR.replace(/\/debian\/?$/, '/debian-security')} ${DEBIAN_SUITE}-security main`,
      ''
    ].join('\n'))
    for (const dir of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
      for (const name of readdirSync(join(rootfs, dir))) {
        if (name !== 'partial' && name !== 'lock') rmSync(join(rootfs, dir, name), { recursive: true, force: true })
      }
    }
    unmountUnder(rootfs)
    await importRootfs(engine, rootfs, image)
  } finally {
    removeRootfs(rootfs)
  }
  return { image, seconds: Math.round((Date.now() - started) / 100) / 10 }
}

// debootstrap mounts /proc and /sys inside the tree while it works; a run that failed half-way
// can leave them mounted, and deleting through a mounted /proc or /sys must never happen.
// It must also not end up in the image: the tree is unmounted before it is packed, and tar
// stays on the tree's own file system anyway.
const mountedUnder = (rootfs: string): string[] => readFileSync('/proc/self/mounts', 'utf8').split('\n')
  .map((line) => line.split(' ')[1] ?? '').filter((point) => point.startsWith(`${rootfs}/`))

const unmountUnder = (rootfs: string): void => {
  for (const point of mountedUnder(rootfs).reverse()) spawnSync('umount', ['--lazy', point], { stdio: 'ignore' })
  if (mountedUnder(rootfs).length > 0) throw new Error(`could not unmount what debootstrap mounted under ${rootfs}`)
}

const removeRootfs = (rootfs: string): void => {
  try {
    unmountUnder(rootfs)
  } catch (err) {
    say(`left ${rootfs} in place: ${(err as Error).message}`)
    return
  }
  rmSync(rootfs, { recursive: true, force: true })
}

const importRootfs = async (engine: Engine, rootfs: string, image: string): Promise<void> => {
  const tar = spawn('tar', ['-C', rootfs, '--one-file-system', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const load = spawn(engine, ['import', '--change', 'CMD ["/bin/bash"]', '-', image], {
    stdio: ['pipe', 'ignore', 'inherit']
  })
  tar.stdout.pipe(load.stdin)
  const exit = async (child: ReturnType<typeof spawn>): Promise<number | null> =>
    await new Promise((resolve) => child.once('close', resolve))
  const [tarCode, loadCode] = await Promise.all([exit(tar), exit(load)])
  if (tarCode !== 0 || loadCode !== 0) {
    throw new Error(`importing the debootstrap tree as ${image} failed (tar ${tarCode}, ${engine} import ${loadCode})`)
  }
}

const pinnedNodeVersion = (): string => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>
  }
  const version = lock.packages['node_modules/node']?.version
  if (version === undefined) throw new Error('package-lock.json pins no `node` package')
  return version
}

const nodeBase = (engine: Engine, image: string, debian: string, nodeVersion: string): Built | undefined => {
  if (imageExists(engine, image)) return undefined
  return withContext((dir) => {
    const unpack = (spec: string, into: string): void => {
      const r = spawnSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' })
      const tarball = r.stdout.trim().split('\n').pop()
      if (r.status !== 0 || tarball === undefined) throw new Error(`npm pack ${spec} failed:\n${r.stderr}`)
      mkdirSync(join(dir, into))
      run('tar', ['-xzf', join(dir, tarball), '-C', join(dir, into), '--strip-components=1'])
    }
    unpack(`node-linux-${process.arch}@${nodeVersion}`, 'node')
    unpack(`npm@${NPM_VERSION}`, 'npm')
  }, (dir) => build(engine, image, join(here, 'base', 'node.Containerfile'), dir, debian))
}

// --- targets -------------------------------------------------------------------------------

const buildTarget = (engine: Engine, target: ImageTarget, bases: { debian: string, node: string }): Built => {
  const services = join(here, 'services')
  switch (target) {
    case 'app':
      return build(engine, IMAGES.app, join(here, 'Containerfile'), root, bases.node)
    case 'kafka':
      return withContext((dir) => {
        linkTree(join(dirs.cache, `kafka-${KAFKA_VERSION}`), join(dir, 'libs'))
        for (const name of ['kafka-entrypoint.sh', 'kafka-log4j2.properties']) {
          copyFileSync(join(services, name), join(dir, name))
        }
      }, (dir) => build(engine, IMAGES.kafka, join(services, 'kafka.Containerfile'), dir, bases.debian))
    case 'registry':
      return withContext((dir) => {
        linkTree(join(dirs.cache, `apicurio-${APICURIO_VERSION}`), join(dir, 'apicurio'))
      },
        (dir) => build(engine, IMAGES.registry, join(services, 'registry.Containerfile'), dir, bases.debian))
    case 'redis':
      return withContext(() => {},
        (dir) => build(engine, IMAGES.redis, join(services, 'redis.Containerfile'), dir, bases.debian))
  }
}

const parseTargets = (argv: readonly string[]): { targets: ImageTarget[], localBase: boolean } => {
  const targets = new Set<ImageTarget>()
  let localBase = false
  for (const arg of argv) {
    if (arg === '--local-base') {
      localBase = true
    } else if (arg === 'services') {
      SERVICE_TARGETS.forEach((t) => targets.add(t))
    } else if (arg === 'all') {
      targets.add('app')
      SERVICE_TARGETS.forEach((t) => targets.add(t))
    } else if (arg in IMAGES) {
      targets.add(arg as ImageTarget)
    } else {
      throw new UsageError(
        `unknown argument '${arg}'\nusage: npm run image -- [app|kafka|registry|redis|services|all …] [--local-base]`)
    }
  }
  if (targets.size === 0) targets.add('app')
  return { targets: [...targets], localBase }
}

export const main = async (argv: readonly string[]): Promise<number> => {
  try {
    const { targets, localBase } = parseTargets(argv)
    const engine = findEngine()
    if (engine === undefined) {
      throw new UsageError('no container engine answers: `podman info` and `docker info` both failed ' +
        '(PARCEL_RISK_CONTAINER_ENGINE picks one)')
    }
    say(`engine: ${engine}`)
    if (targets.includes('kafka') || targets.includes('registry')) resolveArtifacts(dirs, say)
    const built: Built[] = []
    let bases: { debian: string, node: string } = PUBLIC_BASES
    if (localBase) {
      const nodeVersion = pinnedNodeVersion()
      bases = localBases(nodeVersion)
      const debian = await debianBase(engine, bases.debian)
      if (debian !== undefined) built.push(debian)
      if (targets.includes('app')) {
        const node = nodeBase(engine, bases.node, bases.debian, nodeVersion)
        if (node !== undefined) built.push(node)
      }
    }
    for (const target of targets) built.push(buildTarget(engine, target, bases))
    for (const { image, seconds } of built) {
      say(`${image}: built in ${seconds} s, ${Math.round((imageSize(engine, image) ?? 0) / 1e6)} MB`)
    }
    return 0
  } catch (err) {
    say(err instanceof Error ? err.message : String(err))
    return err instanceof UsageError ? 2 : 1
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2))
}
