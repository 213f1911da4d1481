#!/usr/bin/python3
"""Self-test of the fake 3x-ui panel (fake_xui.py): its API answers as 3x-ui's source does, and
a client added through it carries traffic through the real v2ray until it is deleted.

  /usr/bin/python3 tests/servers/xui/test_fake_xui.py -v
"""
import json
import os
import sys
import threading
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xui_support  # noqa: E402
from xui_support import FakeXui, vless_or_trojan_link  # noqa: E402
import v2ray_core  # noqa: E402  (tests/servers/v2ray, on sys.path through xui_support)


def client_settings(**c):
    return json.dumps({"clients": [c]})


class V2Test(xui_support.PageMixin, unittest.TestCase):
    def setUp(self):
        self.fake = FakeXui(api="v2").start()
        self.addCleanup(self.fake.cleanup)
        self.api = self.fake.client(username=self.fake.username, password=self.fake.password)

    def test_api_hidden_without_session_and_wrong_password_refused(self):
        status, body = self.api.raw("GET", "/panel/api/inbounds/list")
        self.assertEqual((status, body), (404, None))
        bad = self.fake.client(username=self.fake.username, password="wrong")
        status, got = bad.login()
        self.assertEqual(status, 200)
        self.assertEqual(got, {"success": False, "obj": None,
                               "msg": "Invalid username or password or two-factor code."})
        self.assertEqual(bad.raw("GET", "/panel/api/inbounds/list")[0], 404)
        status, got = self.api.login()
        self.assertTrue(got["success"], got)
        self.assertTrue(any(c.name == "3x-ui" for c in self.api.jar))
        self.assertTrue(self.api.call("GET", "/inbounds/list")["success"])
        # v3's routes do not exist on v2, even with a session.
        self.assertEqual(self.api.raw("GET", "/panel/api/clients/list")[0], 404)
        # Outside the base path: nothing.
        other = xui_support.Client(self.fake.root + "/wrong", "v2", username="admin",
                                   password=self.fake.password)
        self.assertEqual(other.login()[0], 404)
        # Sessions dropped (as after a panel restart with a new secret): 404 again.
        self.fake.control("expire_sessions")
        self.assertEqual(self.api.raw("GET", "/panel/api/inbounds/list")[0], 404)
        counts = self.fake.requests()
        self.assertEqual(counts["POST /login"], 2)

    def test_client_carries_traffic_until_deleted(self):
        self.api.login()
        for ib_id in (1, 2, 4):  # vless tcp, vless ws+tls, trojan tls
            ib = self.api.call("GET", "/inbounds/get/%d" % ib_id)["obj"]
            email = "vpnhub-1-t%d" % ib_id
            client = {"email": email, "enable": True, "flow": "", "limitIp": 0, "totalGB": 0,
                      "expiryTime": 0, "tgId": 0, "subId": "sub%d" % ib_id, "comment": "",
                      "reset": 0}
            if ib["protocol"] == "vless":
                client["id"] = str(uuid.uuid4())
                key = client["id"]
            else:
                client["password"] = "pw%dabc" % ib_id
                key = client["password"]
            link = vless_or_trojan_link(ib, client)
            self.assert_refused(link)
            # addClient: JSON for vless, form encoding for trojan (both accepted by ShouldBind).
            if ib_id == 4:
                got = self.api.call("POST", "/inbounds/addClient",
                                    form={"id": ib_id, "settings": client_settings(**client)})
            else:
                got = self.api.call("POST", "/inbounds/addClient",
                                    body={"id": ib_id, "settings": client_settings(**client)})
            self.assertEqual(got, {"success": True, "obj": None,
                                   "msg": "Inbound client(s) have been added."})
            self.assert_carries(link)
            got = self.api.call("POST", "/inbounds/addClient",
                                body={"id": ib_id, "settings": client_settings(**client)})
            self.assertEqual(got["msg"], "Something went wrong (Duplicate email: %s\n)" % email)
            self.assertFalse(got["success"])
            traffic = self.api.call("GET", "/inbounds/getClientTraffics/" + email)["obj"]
            self.assertEqual((traffic["email"], traffic["inboundId"]), (email, ib_id))
            # Disabled through updateClient -> out of v2ray; enabled again -> back.
            off = dict(client, enable=False)
            got = self.api.call("POST", "/inbounds/updateClient/" + key,
                                body={"id": ib_id, "settings": client_settings(**off)})
            self.assertTrue(got["success"], got)
            self.assert_refused(link)
            got = self.api.call("POST", "/inbounds/updateClient/" + key,
                                body={"id": ib_id, "settings": client_settings(**client)})
            self.assertTrue(got["success"], got)
            self.assert_carries(link)
            got = self.api.call("POST", "/inbounds/%d/delClient/%s" % (ib_id, key))
            self.assertEqual(got["msg"], "Inbound client has been deleted.")
            self.assert_refused(link)
            got = self.api.call("POST", "/inbounds/%d/delClient/%s" % (ib_id, key))
            self.assertEqual(got["msg"], "Something went wrong (Client Not Found In Inbound "
                                         "For ID: %s\n)" % key)
        got = self.api.call("GET", "/inbounds/getClientTraffics/vpnhub-1-t1")
        self.assertEqual(got, {"success": False, "obj": None, "msg": "Error getting traffics. "
                               "(Inbound Not Found For Email: vpnhub-1-t1\n)"})

    def test_expired_client_leaves_v2ray_and_restart_keeps_clients(self):
        self.api.login()
        ib = self.api.call("GET", "/inbounds/get/1")["obj"]
        client = {"id": str(uuid.uuid4()), "email": "vpnhub-2-keep", "enable": True,
                  "expiryTime": 0, "totalGB": 0}
        self.api.call("POST", "/inbounds/addClient",
                      body={"id": 1, "settings": client_settings(**client)})
        link = vless_or_trojan_link(ib, client)
        self.assert_carries(link)
        # Restart of the panel (same state folder): the client is put back into v2ray, on the
        # same port.
        self.fake.stop()
        self.fake.start()
        self.assertEqual(self.fake.info["inbounds"]["1"]["port"], ib["port"])
        self.assert_carries(link)
        api = self.fake.client(username=self.fake.username, password=self.fake.password)
        api.login()
        past = dict(client, expiryTime=1000)
        api.call("POST", "/inbounds/updateClient/" + client["id"],
                 body={"id": 1, "settings": client_settings(**past)})
        self.assert_refused(link)
        # delClientByEmail, and the last client of an inbound cannot go (v2 refuses).
        got = api.call("POST", "/inbounds/1/delClientByEmail/vpnhub-2-keep")
        self.assertEqual(got["msg"], "Client deleted successfully")
        got = api.call("POST", "/inbounds/1/delClientByEmail/admin-1")
        self.assertEqual(got["msg"], "Failed to delete client by email "
                                     "(no client remained in Inbound\n)")
        got = api.call("POST", "/inbounds/1/delClientByEmail/nobody")
        self.assertEqual(got["msg"], "Failed to delete client by email "
                                     "(client with email nobody not found\n)")

    def test_forget_seed_hang(self):
        self.api.login()
        self.api.call("POST", "/inbounds/addClient", body={"id": 1, "settings": client_settings(
            id=str(uuid.uuid4()), email="vpnhub-3-x", enable=True)})
        self.fake.control("forget")
        ib = self.api.call("GET", "/inbounds/get/1")["obj"]
        self.assertEqual([c["email"] for c in json.loads(ib["settings"])["clients"]],
                         ["admin-1"])
        self.assertEqual([s["email"] for s in self.api.call("GET", "/inbounds/list")["obj"][0]
                          ["clientStats"]], ["admin-1"])
        self.fake.control("seed", n=50, inbound=1)
        ib = self.api.call("GET", "/inbounds/get/1")["obj"]
        self.assertEqual(len(json.loads(ib["settings"])["clients"]), 51)
        self.fake.control("hang")
        done = threading.Event()
        result = {}

        def call():
            result["r"] = self.api.raw("GET", "/panel/api/inbounds/list", timeout=20)
            done.set()

        threading.Thread(target=call, daemon=True).start()
        self.assertFalse(done.wait(1.0), "a hung panel answered")
        self.fake.control("unhang")
        self.assertTrue(done.wait(10), "the held call was not answered after unhang")
        self.assertEqual(result["r"][0], 200)


class V3Test(xui_support.PageMixin, unittest.TestCase):
    def setUp(self):
        self.fake = FakeXui(api="v3", token="tok-" + uuid.uuid4().hex).start()
        self.addCleanup(self.fake.cleanup)

    def test_auth(self):
        anon = self.fake.client()
        self.assertEqual(anon.raw("GET", "/panel/api/clients/list")[0], 404)
        self.assertEqual(anon.raw("GET", "/panel/api/clients/list",
                                  headers={"X-Requested-With": "XMLHttpRequest"})[0], 401)
        wrong = self.fake.client(token="tok-wrong")
        self.assertEqual(wrong.raw("GET", "/panel/api/clients/list")[0], 404)
        bearer = self.fake.client(token=self.fake.token)
        self.assertTrue(bearer.call("GET", "/clients/list")["success"])
        # Cookie login needs the CSRF token, and so does every unsafe call after it.
        c = self.fake.client(username=self.fake.username, password=self.fake.password)
        self.assertEqual(c.raw("POST", "/login", form={"username": self.fake.username,
                                                       "password": self.fake.password})[0], 403)
        status, got = c.login()
        self.assertTrue(got["success"], got)
        self.assertTrue(c.call("GET", "/clients/list")["success"])
        status, _ = c.raw("POST", "/panel/api/clients/add", body={},
                          headers={"X-CSRF-Token": "x" * len(c.csrf)})
        self.assertEqual(status, 403)
        # v2's client routes are gone in v3.
        for path in ("/panel/api/inbounds/addClient", "/panel/api/inbounds/1/delClient/x"):
            self.assertEqual(bearer.raw("POST", path, body={})[0], 404, path)
        self.assertEqual(bearer.raw("GET", "/panel/api/inbounds/getClientTraffics/x")[0], 404)

    def test_client_carries_traffic_until_deleted(self):
        api = self.fake.client(token=self.fake.token)
        for ib_id in (1, 2, 4):
            email = "vpnhub-7-v3i%d" % ib_id
            got = api.call("POST", "/clients/add", body={
                "client": {"email": email, "totalGB": 0, "expiryTime": 0, "tgId": 7,
                           "limitIp": 0, "enable": True}, "inboundIds": [ib_id]})
            self.assertEqual(got, {"success": True, "obj": None,
                                   "msg": "Inbound client(s) have been added."})
            links = api.call("GET", "/clients/links/" + email)["obj"]
            self.assertEqual(len(links), 1, links)
            parsed = v2ray_core.parse_link(links[0])
            self.assertEqual(parsed["port"], self.fake.info["inbounds"][str(ib_id)]["port"])
            self.assert_carries(links[0])
            got = api.call("POST", "/clients/add", body={
                "client": {"email": email}, "inboundIds": [ib_id]})
            self.assertEqual(got["msg"], "Something went wrong (email already in use: %s\n)"
                             % email)
            # update: a whole model.Client; enable left out is false -> out of v2ray.
            got = api.call("POST", "/clients/update/" + email,
                           body={"email": email, "totalGB": 5 << 30, "expiryTime": 0})
            self.assertTrue(got["success"], got)
            self.assert_refused(links[0])
            got = api.call("POST", "/clients/update/" + email,
                           body={"email": email, "totalGB": 5 << 30, "enable": True})
            self.assertTrue(got["success"], got)
            self.assertEqual(api.call("GET", "/clients/links/" + email)["obj"], links)
            self.assert_carries(links[0])
            traffic = api.call("GET", "/clients/traffic/" + email)["obj"]
            self.assertEqual(traffic["email"], email)
            got = api.call("POST", "/clients/del/" + email)
            self.assertEqual(got["msg"], "Inbound client has been deleted.")
            self.assert_refused(links[0])
            got = api.call("POST", "/clients/del/" + email)
            self.assertEqual(got["msg"], 'Something went wrong (client "%s" not found in any '
                                         'inbound or client record\n)' % email)
            self.assertIsNone(api.call("GET", "/clients/traffic/" + email)["obj"])

    def test_paged_listing_and_links_of_stored_inbounds(self):
        api = self.fake.client(token=self.fake.token)
        self.fake.control("seed", n=450, inbound=1)
        page = api.call("GET", "/clients/list/paged?page=1&pageSize=1000")["obj"]
        self.assertEqual((page["total"], page["pageSize"], len(page["items"])), (456, 200, 200))
        emails = set()
        for n in (1, 2, 3):
            page = api.call("GET", "/clients/list/paged?page=%d&pageSize=200" % n)["obj"]
            emails |= {i["email"] for i in page["items"]}
        self.assertEqual(len(emails), 456)
        page = api.call("GET", "/clients/list/paged?page=1&pageSize=10&inbound=6")["obj"]
        self.assertEqual(page["filtered"], 1)
        # REALITY and Shadowsocks 2022 inbounds: stored and linked, no data plane.
        api.call("POST", "/clients/add", body={"client": {"email": "vpnhub-8-r"},
                                               "inboundIds": [5, 6]})
        links = api.call("GET", "/clients/links/vpnhub-8-r")["obj"]
        ss, vl = (v2ray_core.parse_link(x) for x in links)
        self.assertEqual((ss["scheme"], ss["method"]), ("ss", "2022-blake3-aes-128-gcm"))
        self.assertEqual(vl["params"]["security"], "reality")
        self.assertEqual(vl["params"]["sid"], "6ba85179e30d4fc2")


if __name__ == "__main__":
    unittest.main()
