import test from 'ava'
import { AddonFolderError, isAddonFile, userAddonsFolder } from '../../../src/addon/addon-files.js'

// Where Blender looks for a user's add-ons (bpy.utils.user_resource('SCRIPTS', path='addons');
// the integration test checks Linux's answer against Blender itself).

test('BLENDER_USER_SCRIPTS wins, whatever the Blender', (t) => {
  t.is(userAddonsFolder({ env: { BLENDER_USER_SCRIPTS: '/s' }, platform: 'linux', homeDir: '/home/ann' }), '/s/addons')
})

test('otherwise the per-version folder of the platform, by major.minor', (t) => {
  t.is(userAddonsFolder({ env: {}, platform: 'linux', homeDir: '/home/ann', blenderVersion: '4.2.3 LTS' }), '/home/ann/.config/blender/4.2/scripts/addons')
  t.is(userAddonsFolder({ env: { XDG_CONFIG_HOME: '/x' }, platform: 'linux', homeDir: '/home/ann', blenderVersion: '3.4.1' }), '/x/blender/3.4/scripts/addons')
  t.is(userAddonsFolder({ env: {}, platform: 'darwin', homeDir: '/Users/ann', blenderVersion: '4.5.0' }), '/Users/ann/Library/Application Support/Blender/4.5/scripts/addons')
  t.is(userAddonsFolder({ env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, platform: 'win32', homeDir: 'C:\\Users\\ann', blenderVersion: '5.0.1' }),
    'C:\\Users\\ann\\AppData\\Roaming\\Blender Foundation\\Blender\\5.0\\scripts\\addons')
})

test('without a version there is no folder to name: said, with what to do', (t) => {
  t.throws(() => userAddonsFolder({ env: {}, platform: 'linux', homeDir: '/h' }), { instanceOf: AddonFolderError, message: /pass --blender PATH, or set BLENDER_USER_SCRIPTS/ })
  t.throws(() => userAddonsFolder({ env: {}, platform: 'linux', homeDir: '/h', blenderVersion: 'simulated' }), { instanceOf: AddonFolderError })
})

test('the add-on ships its Python and its extension manifest, nothing else', (t) => {
  t.true(isAddonFile('__init__.py'))
  t.true(isAddonFile('blender_manifest.toml'))
  t.false(isAddonFile('__pycache__'))
  t.false(isAddonFile('ops.cpython-310.pyc'))
})
