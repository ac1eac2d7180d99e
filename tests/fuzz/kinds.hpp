// The wire names of the core's inputs and effects, as io/codec.hpp documents them, written out
// here independently of the codec so that the fuzz targets can check it against them: which
// `kind` an io::Input holds, every input kind decode_input() knows, and every effect kind
// encode() may produce. A new input leaf without a name below does not compile (input_kind has
// no generic case), so the targets follow the boundary as it grows.
#pragma once

#include <array>
#include <string_view>
#include <variant>

#include "callcore/io/effect.hpp"
#include "callcore/io/input.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::fuzz {

/// Every input kind of io/codec.hpp, by source: app, transport, peer connection, media, time.
inline constexpr std::array<std::string_view, 34> kInputKinds = {
    // app
    "call", "hangUp", "destroy", "changeDeviceState", "sendMessage", "sendTrack", "trackControl", "switchDevice",
    // transport
    "transportOpened", "transportClosed", "transportMessage", "sendFailed", "transportPaused", "transportResumed",
    "tokenProvided", "tokenFailed",
    // peer connection
    "localDescription", "remoteDescriptionSet", "operationFailed", "localIceCandidate", "peerStateChange",
    "remoteTrack", "negotiationNeeded", "dataChannelState", "dataChannelMessage", "dataChannelSendFailed", "trackAdded",
    "statsReport",
    // media
    "mediaAcquired", "mediaFailed", "deviceAcquired", "deviceFailed", "trackEnded",
    // time
    "timeout"};
static_assert(kInputKinds.size() == std::variant_size_v<io::AppRequest> + std::variant_size_v<io::TransportEvent> +
                                        std::variant_size_v<io::PcEvent> + std::variant_size_v<io::MediaEvent> + 1,
              "an input leaf was added or removed: update kInputKinds and leaf_kind()");

/// Every effect kind of io/codec.hpp, in the order of the io::Effect alternatives.
inline constexpr std::array<std::string_view, 25> kEffectKinds = {
    "openTransport", "closeTransport", "send", "requestToken", "createPc", "closePc", "setLocalDescription", "setRemoteDescription",
    "addIceCandidate", "restartIce", "addTrack", "prepareSender", "replaceTrack", "removeTrack", "dataSend", "collectStats", "acquireMedia",
    "acquireDevice", "setTrackEnabled", "releaseTrack", "swapLocalTrack", "stopTracks", "releaseStreams", "settle",
    "emit"};
static_assert(kEffectKinds.size() == std::variant_size_v<io::Effect>, "an effect was added or removed: update kEffectKinds");

/// True when `kind` is one of kEffectKinds.
inline bool known_effect_kind(std::string_view kind) {
  for (auto k : kEffectKinds) {
    if (k == kind) return true;
  }
  return false;
}

/// True when `kind` is one of kInputKinds.
inline bool known_input_kind(std::string_view kind) {
  for (auto k : kInputKinds) {
    if (k == kind) return true;
  }
  return false;
}

namespace detail {
using namespace io::in;
constexpr std::string_view leaf_kind(const Call&) { return "call"; }
constexpr std::string_view leaf_kind(const HangUp&) { return "hangUp"; }
constexpr std::string_view leaf_kind(const Destroy&) { return "destroy"; }
constexpr std::string_view leaf_kind(const ChangeDeviceState&) { return "changeDeviceState"; }
constexpr std::string_view leaf_kind(const SendMessage&) { return "sendMessage"; }
constexpr std::string_view leaf_kind(const SendTrack&) { return "sendTrack"; }
constexpr std::string_view leaf_kind(const TrackControl&) { return "trackControl"; }
constexpr std::string_view leaf_kind(const SwitchDevice&) { return "switchDevice"; }
constexpr std::string_view leaf_kind(const TransportOpened&) { return "transportOpened"; }
constexpr std::string_view leaf_kind(const TransportClosed&) { return "transportClosed"; }
constexpr std::string_view leaf_kind(const TransportMessage&) { return "transportMessage"; }
constexpr std::string_view leaf_kind(const SendFailed&) { return "sendFailed"; }
constexpr std::string_view leaf_kind(const TransportPaused&) { return "transportPaused"; }
constexpr std::string_view leaf_kind(const TransportResumed&) { return "transportResumed"; }
constexpr std::string_view leaf_kind(const TokenProvided&) { return "tokenProvided"; }
constexpr std::string_view leaf_kind(const TokenFailed&) { return "tokenFailed"; }
constexpr std::string_view leaf_kind(const LocalDescription&) { return "localDescription"; }
constexpr std::string_view leaf_kind(const RemoteDescriptionSet&) { return "remoteDescriptionSet"; }
constexpr std::string_view leaf_kind(const OperationFailed&) { return "operationFailed"; }
constexpr std::string_view leaf_kind(const LocalIceCandidate&) { return "localIceCandidate"; }
constexpr std::string_view leaf_kind(const PeerStateChange&) { return "peerStateChange"; }
constexpr std::string_view leaf_kind(const RemoteTrack&) { return "remoteTrack"; }
constexpr std::string_view leaf_kind(const NegotiationNeeded&) { return "negotiationNeeded"; }
constexpr std::string_view leaf_kind(const DataChannelState&) { return "dataChannelState"; }
constexpr std::string_view leaf_kind(const DataChannelMessage&) { return "dataChannelMessage"; }
constexpr std::string_view leaf_kind(const DataChannelSendFailed&) { return "dataChannelSendFailed"; }
constexpr std::string_view leaf_kind(const TrackAdded&) { return "trackAdded"; }
constexpr std::string_view leaf_kind(const StatsReport&) { return "statsReport"; }
constexpr std::string_view leaf_kind(const MediaAcquired&) { return "mediaAcquired"; }
constexpr std::string_view leaf_kind(const MediaFailed&) { return "mediaFailed"; }
constexpr std::string_view leaf_kind(const DeviceAcquired&) { return "deviceAcquired"; }
constexpr std::string_view leaf_kind(const DeviceFailed&) { return "deviceFailed"; }
constexpr std::string_view leaf_kind(const TrackEnded&) { return "trackEnded"; }

using callcore::base::overloaded;
}  // namespace detail

/// The `kind` of the input leaf `input` holds ("timeout" for io::Timeout).
inline std::string_view input_kind(const io::Input& input) {
  const auto leaf = [](const auto& l) { return detail::leaf_kind(l); };
  return std::visit(detail::overloaded{
                        [&](const io::FromApp& a) { return std::visit(leaf, a.request); },
                        [&](const io::FromTransport& t) { return std::visit(leaf, t.event); },
                        [&](const io::FromPc& p) { return std::visit(leaf, p.event); },
                        [&](const io::FromMedia& m) { return std::visit(leaf, m.event); },
                        [](const io::Timeout&) { return std::string_view("timeout"); },
                    },
                    input);
}

}  // namespace callcore::fuzz
