-- What a VPN server made for a key and handed back at creation (ports::VpnBackend::FetchRemoteData:
-- an AmneziaWG client's id and configuration), kept with the key for its delivery and removal.
-- Empty for kinds whose keys the hub makes whole (shadowsocks, wireguard, outline).
ALTER TABLE keys ADD COLUMN remote_data TEXT NOT NULL DEFAULT '';
