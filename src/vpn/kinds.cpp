#include "vpn/kinds.hpp"

#include "vpn/amneziawg/amneziawg_kind.hpp"
#include "vpn/marzban/marzban_kind.hpp"
#include "vpn/outline/outline_kind.hpp"
#include "vpn/remnawave/remnawave_kind.hpp"
#include "vpn/shadowsocks/shadowsocks_kind.hpp"
#include "vpn/wireguard/wireguard_kind.hpp"
#include "vpn/xui/xui_kind.hpp"

namespace vpnhub::vpn {

Result<KindRegistry> BuiltinKinds() {
  KindRegistry kinds;
  VPNHUB_RETURN_IF_ERROR(kinds.Register(shadowsocks::ShadowsocksKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(amneziawg::AmneziaWgKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(outline::OutlineKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(wireguard::WireguardKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(remnawave::RemnawaveKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(marzban::MarzbanKind()));
  VPNHUB_RETURN_IF_ERROR(kinds.Register(xui::XuiKind()));
  return kinds;
}

}  // namespace vpnhub::vpn
