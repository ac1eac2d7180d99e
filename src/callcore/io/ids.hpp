// Typed handles that cross the boundary between the core and the shell. The shell assigns
// TrackIds to the MediaStreamTracks it holds; the core assigns PcIds and TransportIds to the
// peer connections and signaling transports it asks the shell to open. On the JSON boundary
// each is a plain integer.
#pragma once

namespace callcore::io {

/// One RTCPeerConnection of a session (a product may own several, e.g. an SFU publisher and
/// subscriber). The consultation uses one, kMainPc.
enum class PcId : int {};
/// One signaling transport (WebSocket or the portal's socket) of a session.
enum class TransportId : int {};
/// One local MediaStreamTrack held by the shell (from getUserMedia or handed in by the app).
enum class TrackId : int {};

inline constexpr int to_int(PcId id) { return static_cast<int>(id); }
inline constexpr int to_int(TransportId id) { return static_cast<int>(id); }
inline constexpr int to_int(TrackId id) { return static_cast<int>(id); }

}  // namespace callcore::io
