#!/usr/bin/env python3
"""Sessions for the load test: an analyst signed in to the staff area (for
the statistics queries) and public sessions part-way through the
consultation form, each with its CSRF token, written one a line as
`cookie<TAB>token` for wrk's script. Standard library only.

    prepare.py BASE_URL USERNAME PASSWORD TOTP_SECRET OUT_DIR [SESSIONS]
"""
import base64, hashlib, hmac, http.client, re, struct, sys, time, urllib.parse

base, username, password, secret, out = sys.argv[1:6]
sessions = int(sys.argv[6]) if len(sys.argv) > 6 else 50
host = urllib.parse.urlparse(base).netloc


def request(method, path, cookies, body=None):
    c = http.client.HTTPConnection(host, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        body = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    for name, value in r.getheaders():
        if name.lower() == "set-cookie":
            k, v = value.split(";", 1)[0].split("=", 1)
            cookies[k] = v
    return r.status, text


def token(text):
    m = re.search(r'name="request_token" value="([^"]+)"', text)
    if not m:
        sys.exit("no request_token on the page")
    return m.group(1)


def totp(secret_b32):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


staff = {}
_, page = request("GET", "/staff/sign-in", staff)
status, _ = request("POST", "/staff/sign-in", staff, {
    "request_token": token(page), "username": username, "password": password, "code": totp(secret),
})
if status != 303:
    sys.exit(f"analyst sign-in failed: {status}")
with open(f"{out}/analyst.txt", "w") as f:
    f.write("; ".join(f"{k}={v}" for k, v in staff.items()) + "\n")

form = "/forms/careers_advice_consultation"
with open(f"{out}/sessions.txt", "w") as f:
    for _ in range(sessions):
        jar = {}
        request("GET", form, jar)
        status, page = request("GET", f"{form}/about_you", jar)
        if status != 200:
            sys.exit(f"the form's first page answered {status}")
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        f.write(f"{cookie}\t{urllib.parse.quote(token(page))}\n")
print(f"prepared an analyst session and {sessions} form sessions")
