// The Asio/Beast vocabulary every native I/O module uses (the HTTP server here, the
// upstream clients in gw/upstream): coroutines on a strand whose type is named.
//
// Every connection runs on its own strand of the io_context, named by its concrete type:
// the type-erased any_io_executor allocated on each executor copy, dozens of times per
// request (measured with heaptrack; docs/decisions/0001-http-stack.md).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <chrono>

namespace gw::transport::asio_types {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Executor = asio::strand<asio::io_context::executor_type>;
template <class T>
using Task = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> kUseTask{};
using Stream = beast::basic_stream<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace gw::transport::asio_types
