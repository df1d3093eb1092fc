#!/usr/bin/env python3
"""Reads the request and response models of the official Python SDK `alibabacloud_kms20160120`
and writes them as JSON: every operation the client can call, each request parameter (wire name,
type, position, serialisation style, whether the SDK documents it as required) and the response
body model (field names, JSON types, nesting, lists).

The SDK's source is parsed (Python `ast`), never imported, so no SDK dependency is needed:

    python3 scripts/sdk-models.py                       # the version pinned in test/sdk/python/requirements.txt
    python3 scripts/sdk-models.py --version 3.4.0       # another release (downloaded with pip, no deps)
    python3 scripts/sdk-models.py --sdk-dir DIR         # an unpacked/installed package directory
    python3 scripts/sdk-models.py --installed           # the package importable by this interpreter
    ... --out spec/sdk-models.json                      # default: stdout

Another product's SDK, same format (`--package NAME==VERSION`; no "retired" section):

    python3 scripts/sdk-models.py --package alibabacloud_ram20150501==1.3.0 --out spec/ram-2015-05-01.sdk-models.json
    python3 scripts/sdk-models.py --package alibabacloud_sts20150401==1.2.0 --out spec/sts-2015-04-01.sdk-models.json

`spec/sdk-models.json` is this script's output for the pinned KMS version; src/api/spec.ts reads it.
The RAM and STS files are pinned to the newest releases PyPI offered when they were generated
(`pip index versions alibabacloud_ram20150501`, 2026-12: 1.3.0; `alibabacloud_sts20150401`: 1.2.0).

Operations the release dropped (the ten certificate operations left the SDK in 3.0.0) are written
under "retired", from the last release that had them (RETIRED_FROM, downloaded the same way; 2.x
releases keep every model in one models.py): their newest official models. `--no-retired` skips it.
"""
import argparse
import ast
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

KMS_PACKAGE = 'alibabacloud_kms20160120'
# The package being read; --package changes it (module-level so the helpers below can name it).
PACKAGE = KMS_PACKAGE
# The last release with all ten certificate operations (2.4.0 already lacks CreateCertificate).
RETIRED_FROM = '2.3.1'
HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = os.path.join(HERE, '..', 'test', 'sdk', 'python', 'requirements.txt')


def pinned_version():
    with open(REQUIREMENTS) as f:
        for line in f:
            m = re.match(r'^alibabacloud[-_]kms20160120==(\S+)', line.strip())
            if m:
                return m.group(1)
    raise SystemExit('no alibabacloud-kms20160120 pin in ' + REQUIREMENTS)


def pip_python(into):
    """An interpreter with pip: this one, else a throw-away venv (Debian's python3 has no pip)."""
    if importlib.util.find_spec('pip') is not None:
        return sys.executable
    import venv
    where = os.path.join(into, '.pip-venv')
    venv.EnvBuilder(with_pip=True).create(where)
    return os.path.join(where, 'bin', 'python')


def download(version, into):
    subprocess.run(
        [pip_python(into), '-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:',
         '--disable-pip-version-check', '-q', '-d', into, f'{PACKAGE}=={version}'],
        check=True, stdout=sys.stderr)
    wheels = glob.glob(os.path.join(into, f'{PACKAGE}-{version}-*.whl'))
    if not wheels:
        raise SystemExit(f'pip did not download {PACKAGE} {version}')
    with zipfile.ZipFile(wheels[0]) as z:
        z.extractall(into)
    return os.path.join(into, PACKAGE)


def dist_version(sdk_dir):
    parent = os.path.dirname(sdk_dir)
    for meta in glob.glob(os.path.join(parent, f'{PACKAGE}-*.dist-info', 'METADATA')):
        with open(meta) as f:
            for line in f:
                if line.startswith('Version:'):
                    return line.split(':', 1)[1].strip()
    return None


# --- models -----------------------------------------------------------------------------------

def annotation_text(node):
    return strip_models_prefix(ast.unparse(node)) if node is not None else 'Any'


def strip_models_prefix(text):
    """`kms_20160120_models.X`, `ram_20150501_models.X`, `main_models.X` → `X`."""
    return re.sub(r'\b\w+_models\.', '', text)


def model_classes(sdk_dir):
    """class name → {'fields': [(attr, annotation, required)], 'wire': {attr: WireName}}"""
    classes = {}
    files = sorted(glob.glob(os.path.join(sdk_dir, 'models', '_*.py')))
    if not files:
        files = [os.path.join(sdk_dir, 'models.py')]
    for path in files:
        with open(path, encoding='utf-8') as f:
            source = f.read()
        lines = source.splitlines()
        tree = ast.parse(source)
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef):
                continue
            fields, wire = [], {}
            for fn in cls.body:
                if not isinstance(fn, ast.FunctionDef):
                    continue
                if fn.name == '__init__':
                    for arg in fn.args.args[1:]:
                        fields.append([arg.arg, annotation_text(arg.annotation), False])
                    # "This parameter is required." closes the comment above `self.x = x`.
                    for stmt in fn.body:
                        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Attribute):
                            attr = stmt.targets[0].attr
                            above = []
                            i = stmt.lineno - 2
                            while i >= 0 and lines[i].strip().startswith('#'):
                                above.append(lines[i].strip().lstrip('#').strip())
                                i -= 1
                            if 'This parameter is required.' in above:
                                for field in fields:
                                    if field[0] == attr:
                                        field[2] = True
                if fn.name == 'to_map':
                    for stmt in fn.body:
                        if not isinstance(stmt, ast.If):
                            continue
                        attr = tested_attribute(stmt.test)
                        name = first_result_key(stmt)
                        if attr and name:
                            wire[attr] = name
            classes[cls.name] = {'fields': fields, 'wire': wire}
    return classes


def tested_attribute(test):
    if (isinstance(test, ast.Compare) and isinstance(test.left, ast.Attribute)
            and isinstance(test.left.value, ast.Name) and test.left.value.id == 'self'):
        return test.left.attr
    return None


def first_result_key(node):
    for sub in ast.walk(node):
        if (isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id == 'result'
                and isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str)):
            return sub.slice.value
    return None


SCALARS = {'str': 'string', 'int': 'integer', 'bool': 'boolean', 'float': 'number', 'bytes': 'string',
           'BinaryIO': 'string'}


def type_of(annotation, classes, seen=()):
    text = annotation.strip()
    if text in SCALARS:
        return {'type': SCALARS[text]}
    m = re.match(r'^List\[(.*)\]$', text)
    if m:
        return {'type': 'array', 'items': type_of(m.group(1), classes, seen)}
    m = re.match(r'^Dict\[(.*)\]$', text)
    if m:
        return {'type': 'map'}
    if text in ('Any', 'dict', 'object'):
        return {'type': 'any'}
    if text in classes:
        if text in seen:
            return {'type': 'object', 'model': text}
        return {'type': 'object', 'model': text, 'properties': properties(text, classes, seen + (text,))}
    raise SystemExit(f'unknown annotation {annotation!r}')


def properties(class_name, classes, seen=()):
    cls = classes[class_name]
    out = {}
    for attr, annotation, _required in cls['fields']:
        name = cls['wire'].get(attr)
        if name is None:
            continue
        out[name] = type_of(annotation, classes, seen)
    return dict(sorted(out.items()))


# --- client -----------------------------------------------------------------------------------

def client_operations(sdk_dir, classes):
    with open(os.path.join(sdk_dir, 'client.py'), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'Client')
    operations = {}
    for fn in client.body:
        if not isinstance(fn, ast.FunctionDef) or not fn.name.endswith('_with_options'):
            continue
        action = None
        for sub in ast.walk(fn):
            if isinstance(sub, ast.keyword) and sub.arg == 'action' and isinstance(sub.value, ast.Constant):
                action = sub.value.value
        if not action:
            continue
        request_class = annotation_text(fn.args.args[1].annotation) \
            if len(fn.args.args) > 2 else None
        styles = {}   # wire name → style, from array_to_string_with_specified_style(tmp_req.x, 'Name', 'json')
        positions = {}  # wire name → Query/Body
        source_attr = {}  # wire name → request attribute
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Call) and getattr(sub.func, 'attr', '') == 'array_to_string_with_specified_style':
                name = sub.args[1].value
                styles[name] = sub.args[2].value
            if (isinstance(sub, ast.Assign) and isinstance(sub.targets[0], ast.Subscript)
                    and isinstance(sub.targets[0].value, ast.Name) and sub.targets[0].value.id in ('query', 'body')
                    and isinstance(sub.targets[0].slice, ast.Constant)):
                name = sub.targets[0].slice.value
                positions[name] = 'Query' if sub.targets[0].value.id == 'query' else 'Body'
                if isinstance(sub.value, ast.Attribute):
                    source_attr[name] = sub.value.attr
        params = []
        request = classes.get(request_class, {'fields': [], 'wire': {}}) if request_class else {'fields': [], 'wire': {}}
        by_wire = {request['wire'].get(attr): (annotation, required)
                   for attr, annotation, required in request['fields']}
        for name in sorted(positions):
            annotation, required = by_wire.get(name, ('str', False))
            param = {'name': name, 'position': positions[name], 'required': required}
            param.update(type_of(annotation, classes))
            if name in styles:
                param['style'] = styles[name]
            elif param['type'] in ('array', 'object', 'map'):
                param['style'] = 'repeatList' if param['type'] == 'array' else 'flat'
            param.pop('properties', None)
            if 'items' in param:
                param['items'].pop('properties', None)
            params.append(param)
        response_class = annotation_text(fn.returns)
        body_class = response_class + 'Body'
        operations[action] = {
            'request': params,
            'response': properties(body_class, classes) if body_class in classes else {},
        }
    return dict(sorted(operations.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--package', help='NAME==VERSION of another SDK package (default: the pinned KMS one)')
    parser.add_argument('--version')
    parser.add_argument('--sdk-dir')
    parser.add_argument('--installed', action='store_true')
    parser.add_argument('--out')
    parser.add_argument('--no-retired', action='store_true')
    args = parser.parse_args()
    global PACKAGE
    if args.package:
        name, sep, pinned = args.package.partition('==')
        if not sep or not pinned:
            raise SystemExit('--package takes NAME==VERSION')
        PACKAGE = name.replace('-', '_')
        args.version = pinned
    with tempfile.TemporaryDirectory() as tmp:
        if args.sdk_dir:
            sdk_dir = os.path.abspath(args.sdk_dir)
        elif args.installed:
            spec = importlib.util.find_spec(PACKAGE)
            if spec is None:
                raise SystemExit(f'{PACKAGE} is not installed for {sys.executable}')
            sdk_dir = os.path.dirname(spec.origin)
        else:
            sdk_dir = download(args.version or pinned_version(), tmp)
        version = dist_version(sdk_dir) or args.version
        classes = model_classes(sdk_dir)
        data = {
            'source': {'package': PACKAGE, 'version': version,
                       'generatedBy': 'scripts/sdk-models.py (do not edit by hand)'},
            'operations': client_operations(sdk_dir, classes),
        }
        if not args.no_retired and PACKAGE == KMS_PACKAGE:
            older_dir = download(RETIRED_FROM, os.path.join(tmp, 'retired'))
            older = client_operations(older_dir, model_classes(older_dir))
            data['retired'] = {
                'version': RETIRED_FROM,
                'operations': {name: op for name, op in older.items() if name not in data['operations']},
            }
    text = json.dumps(data, indent=1, sort_keys=False) + '\n'
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
        print(f'{args.out}: {len(data["operations"])} operations of {PACKAGE} {version}', file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == '__main__':
    main()
