"""Lay out TensorFlow's C library from a tensorflow-cpu wheel as libtensorflow's own archive does.

Usage: python3 extract_wheel.py WHEEL OUT_DIR

Writes OUT_DIR/lib/{libtensorflow_cc.so.2, libtensorflow_framework.so.2, LICENSE,
THIRD_PARTY_NOTICES.txt} and OUT_DIR/include/ with the C API headers tfjs-node's binding
includes and every header they include in turn. Run by scripts/install-native-tensorflow.mjs
with the Python that runs pip, so it uses nothing but the standard library.
"""
import os
import re
import shutil
import sys
import zipfile

LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']
# What tfjs-node 4.22's binding/*.cc include from TensorFlow.
SEED_HEADERS = [
    'tensorflow/c/c_api.h',
    'tensorflow/c/eager/c_api.h',
    'tensorflow/c/tf_datatype.h',
    'tensorflow/c/tf_status.h',
    'tensorflow/c/tf_tensor.h',
    'tensorflow/core/platform/ctstring_internal.h',
]
INCLUDE = 'tensorflow/include/'
INCLUDE_LINE = re.compile(r'#\s*include\s+"([^"]+)"')


def copy_member(wheel, member, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with wheel.open(member) as src, open(dest, 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)


def header_closure(wheel, names):
    """The seed headers and everything they include that the wheel ships (system headers are not)."""
    seen, todo = set(), list(SEED_HEADERS)
    while todo:
        header = todo.pop()
        if header in seen or INCLUDE + header not in names:
            continue
        seen.add(header)
        todo.extend(INCLUDE_LINE.findall(wheel.read(INCLUDE + header).decode('utf-8', 'replace')))
    missing = [h for h in SEED_HEADERS if h not in seen]
    if missing:
        raise SystemExit('the wheel lacks headers tfjs-node needs: ' + ', '.join(missing))
    return sorted(seen)


def main(wheel_path, out_dir):
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
        for lib in LIBS:
            if 'tensorflow/' + lib not in names:
                raise SystemExit('the wheel has no tensorflow/' + lib)
            copy_member(wheel, 'tensorflow/' + lib, os.path.join(out_dir, 'lib', lib))
            os.chmod(os.path.join(out_dir, 'lib', lib), 0o755)
        # TensorFlow's licence and its third-party notices travel with the library.
        copy_member(wheel, INCLUDE + 'LICENSE', os.path.join(out_dir, 'lib', 'LICENSE'))
        copy_member(wheel, 'tensorflow/THIRD_PARTY_NOTICES.txt', os.path.join(out_dir, 'lib', 'THIRD_PARTY_NOTICES.txt'))
        headers = header_closure(wheel, names)
        for header in headers:
            copy_member(wheel, INCLUDE + header, os.path.join(out_dir, 'include', header))
    print('%d libraries, %d headers' % (len(LIBS), len(headers)))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
