"""The recurrent layer every recurrent estimator uses, and its cells.

One interface, :class:`RecurrentStack`, serves all cells: it reads
``(n, T, C)`` batches with optional valid lengths (trailing padding) and an
optional carried state, and returns the merged top-layer output at every
step, the merged output at each series' last valid step, and the new state.

* ``"lstm"``, ``"gru"``, ``"rnn"``: torch's fused multi-layer modules. Ragged
  series run padded, as the other cells do (see
  :meth:`RecurrentStack._forward_torch`), not packed: on the CPU the
  backward pass of a packed sequence costs time in proportion to the number
  of steps times the total length (37 s against 0.3 s padded for a batch of
  128 LSTM series of 100 to 1,344 steps).
* ``"rwa"``: the recurrent weighted average (Ostmeyer & Cowell, 2017) in the
  paper's running-maximum form, so that long sequences do not overflow.
* ``"qrnn"``: the quasi-recurrent network (Bradbury et al., 2017): the gates of
  all steps come from one causal convolution over time, and only the
  element-wise pooling is sequential.
* ``"sru"``: the simple recurrent unit (Lei et al., 2017): gates from the
  current input only, an element-wise recurrence and a highway connection.

QRNN and SRU share their sequential part, the first-order recurrence
``c_t = f_t * c_{t-1} + b_t`` and its adjoint (``_scan``, ``_scan_back``):
one loop of fused multiply-adds over time each way. Each cell fuses its own
element-wise gates around that loop in one hand-differentiated autograd
function; :func:`linear_recurrence` is the loop alone as an autograd op (the
unit the tests and the speed benchmark check; see it for the choice of a
loop over a parallel scan).
Layers of the new cells read a whole batch; padding steps come after each
series' valid steps, so a forward layer's valid outputs never see them, and a
backward layer reads every series reversed within its own length.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import threading

import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

TORCH_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
CELLS = ("lstm", "gru", "rnn", "rwa", "qrnn", "sru")
MERGE_MODES = ("concat", "sum", "mul", "ave")
QRNN_POOLINGS = ("f", "fo", "ifo")

CELL_PARAMETERS_DOC = """\
    cell : {"lstm", "gru", "rnn", "rwa", "qrnn", "sru"}, default="lstm"
        The recurrent cell: long short-term memory, gated recurrent unit, the
        plain (Elman, tanh) layer, the recurrent weighted average (RWA,
        Ostmeyer & Cowell 2017: an attention-like running average over all
        past steps, computed with a running maximum so long series do not
        overflow), the quasi-recurrent network (QRNN, Bradbury et al. 2017:
        gates from a causal convolution over ``window`` steps, computed for
        all steps at once; only the element-wise ``qrnn_pooling`` runs step
        by step) or the simple recurrent unit (SRU, Lei et al. 2017: gates
        from the current input only, an element-wise recurrence and a
        highway connection). QRNN and SRU do most of their work in batched
        matrix products and are several times faster than LSTM on long
        series.

    window : int, default=2
        QRNN only: steps the gate convolution covers (1: current step only);
        at the first steps of a series it reads zeros before the start.

    qrnn_pooling : {"f", "fo", "ifo"}, default="fo"
        QRNN only: forget-gate pooling, with an output gate, or with output
        and separate input gates."""


def merge_directions(forward, backward, merge_mode):
    """Combine the two directions of a bidirectional layer (Keras' merge modes)."""
    if merge_mode == "concat":
        return torch.cat([forward, backward], dim=-1)
    if merge_mode == "sum":
        return forward + backward
    if merge_mode == "mul":
        return forward * backward
    return (forward + backward) / 2  # "ave"


# ---------------------------------------------------------------------------
# The shared sequential kernel of QRNN and SRU
# ---------------------------------------------------------------------------


def _launch_bound(x):
    """Whether ``x`` lives on a device where each of the loop's small kernels
    costs a launch (a GPU): there the recurrence runs in two levels."""
    return x.device.type != "cpu"


def _two_level_scan(f, b, c0):
    """What :func:`_scan` computes, in about ``2 sqrt(T)`` batched steps.

    The time axis is cut into ``K`` chunks of ``L ~ sqrt(T)`` steps. Every
    chunk runs the recurrence from a zero state, all chunks at once (``L``
    steps); a chunk's true state is that local result plus the product of
    its factors so far times the state before the chunk, and those states
    follow one step per chunk (``K`` steps). Nothing is divided, so a product
    of factors that underflows to 0 is exact to float precision (the
    cumprod/cumsum form divides by it). On a GPU, where the loop of
    :func:`_scan` is ``T`` kernel launches, forward plus backward at
    (32, 1000, 256) take 3.0-3.6 ms instead of 30 ms (H200); on one CPU
    thread the forward pass takes 113 ms against the loop's 14.5 ms, so the
    CPU keeps the loop. Rounding differs from the loop's.
    """
    n, T, H = f.shape
    L = math.isqrt(T - 1) + 1 if T > 1 else 1  # ceil(sqrt(T))
    K = -(-T // L)
    if K * L != T:  # pad the time axis; the padded steps are dropped
        f = F.pad(f, (0, 0, 0, K * L - T))
        b = F.pad(b, (0, 0, 0, K * L - T))
    f, b = f.reshape(n, K, L, H), b.reshape(n, K, L, H)
    local = torch.empty_like(b)
    local[:, :, 0] = b[:, :, 0]
    for j in range(1, L):
        torch.addcmul(b[:, :, j], f[:, :, j], local[:, :, j - 1], out=local[:, :, j])
    decay = torch.cumprod(f, 2)  # the chunk's factors up to each step
    state = b.new_empty(n, K + 1, H)  # before each chunk, and after the last
    state[:, 0] = c0
    for k in range(K):
        torch.addcmul(local[:, k, -1], decay[:, k, -1], state[:, k], out=state[:, k + 1])
    out = torch.addcmul(local, decay, state[:, :K, None])
    return out.reshape(n, K * L, H)[:, :T]


def _scan(f, b, c0, out):
    """``out[:, t] = f[:, t] * out[:, t - 1] + b[:, t]`` from ``c0``, batch-first."""
    if _launch_bound(f):
        return out.copy_(_two_level_scan(f, b, c0))
    prev = c0
    for t in range(f.shape[1]):
        prev = torch.addcmul(b[:, t], f[:, t], prev, out=out[:, t])
    return out


def _scan_back(f, grad, out, f_next=None, g_next=None):
    """The adjoint of :func:`_scan`: ``out[:, t] = grad[:, t] + f[:, t + 1] *
    out[:, t + 1]``, the gradient with respect to every ``c_t``; for a block
    of steps, ``f_next``/``g_next`` are the factor and gradient of the step
    after it (None: the block ends the series)."""
    T = f.shape[1]
    if _launch_bound(f):  # the same recurrence, backwards in time
        last = f.new_zeros(f[:, 0].shape) if f_next is None else f_next
        factors = torch.cat([f[:, 1:], last[:, None]], 1).flip(1)
        start = torch.zeros_like(last) if g_next is None else g_next
        return out.copy_(_two_level_scan(factors, grad.flip(1), start).flip(1))
    if f_next is None:
        out[:, T - 1] = grad[:, T - 1]
    else:
        torch.addcmul(grad[:, T - 1], f_next, g_next, out=out[:, T - 1])
    for t in range(T - 2, -1, -1):
        torch.addcmul(grad[:, t], f[:, t + 1], out[:, t + 1], out=out[:, t])
    return out


# The fused QRNN and SRU functions run their element-wise passes a block of
# steps at a time, so that a block's tensors stay in the CPU's cache between
# passes (about 1 MiB of float32 each): on long series each pass over the
# whole (n, T, H) tensor would otherwise go to memory (SRU's element-wise part
# at n=32, T=1000, H=256: 245 -> 140 ms, forward and backward). Every element
# gets the same operations as over the whole tensor: the same numbers, bit for
# bit, when torch vectorizes the rows (32 floats and wider), else one rounding
# apart (torch's scalar and vector tanh and sigmoid differ in the last bit).
_BLOCK_ELEMENTS = 1 << 18


def _time_blocks(x):
    """Consecutive slices of the time axis of a batch-first ``(n, T, H)``
    tensor, each of about ``_BLOCK_ELEMENTS`` elements."""
    n, T, H = x.shape
    if _launch_bound(x):  # a cache concern of the CPU; on a GPU each block
        return [slice(0, T)]  # would cost kernel launches
    steps = max(1, _BLOCK_ELEMENTS // max(n * H, 1))
    return [slice(start, min(start + steps, T)) for start in range(0, T, steps)]


def _grad_f(g, c, c0, minus=None):
    """``g_t * (c_{t-1} - minus_t)`` without building the shifted ``c``."""
    out = torch.empty_like(g)
    if minus is None:
        torch.mul(g[:, 1:], c[:, :-1], out=out[:, 1:])
        torch.mul(g[:, 0], c0, out=out[:, 0])
    else:
        torch.mul(g[:, 1:], c[:, :-1] - minus[:, 1:], out=out[:, 1:])
        torch.mul(g[:, 0], c0 - minus[:, 0], out=out[:, 0])
    return out


class _LinearRecurrence(torch.autograd.Function):
    """``c_t = f_t * c_{t-1} + b_t`` over batch-first ``(n, T, H)`` tensors."""

    @staticmethod
    def forward(ctx, f, b, c0):
        c = _scan(f, b, c0, torch.empty_like(b))
        ctx.save_for_backward(f, c, c0)
        return c

    @staticmethod
    def backward(ctx, grad_c):
        f, c, c0 = ctx.saved_tensors
        # g_t = dL/dc_t = grad_c_t + f_{t+1} g_{t+1}: the same recurrence
        # backwards in time; the other gradients are element-wise after it.
        g = _scan_back(f, grad_c, torch.empty_like(grad_c))
        return _grad_f(g, c, c0), g, g[:, 0] * f[:, 0]


def linear_recurrence(f, b, c0=None):
    """``c_t = f_t * c_{t-1} + b_t`` for ``t = 1..T``, batch-first.

    Parameters
    ----------
    f, b : Tensor of shape (n, T, H)
        Forget factors and inputs.
    c0 : Tensor of shape (n, H) or None
        The state before the first step (zeros when None).

    Returns
    -------
    c : Tensor of shape (n, T, H)

    Notes
    -----
    The gradient is hand-written (the same recurrence backwards in time)
    instead of autograd's per-step graph. On the CPU forward and backward
    are each a loop of one fused multiply-add per step, a few percent of a
    QRNN or SRU layer's time. On a GPU, where every step of that loop is a
    kernel launch, they run in two levels (:func:`_two_level_scan`, about
    ``2 sqrt(T)`` launches); a one-pass parallel scan (cumulative products)
    would divide by products of the ``f_t`` that underflow on long series.
    ``benchmarks/sequence.py --part speed`` times both.
    """
    if c0 is None:
        c0 = f.new_zeros(f.shape[0], f.shape[2])
    return _LinearRecurrence.apply(f, b, c0)


class _SRUElementwise(torch.autograd.Function):
    """SRU after its input projection, fused: from ``(x~, f, r)`` pre-activations
    and the highway input to ``h`` and ``c``, with a hand-written gradient.

    The same math as composing :func:`linear_recurrence` with torch's
    element-wise ops, in about half the passes over memory, which dominate a
    wide SRU on the CPU.
    """

    @staticmethod
    def forward(ctx, x_tilde, f_pre, r_pre, skip, c0):
        f, r = torch.empty_like(f_pre), torch.empty_like(r_pre)
        c, tc, h = (torch.empty_like(x_tilde) for _ in range(3))
        prev = c0
        for block in _time_blocks(x_tilde):
            fb = torch.sigmoid(f_pre[:, block], out=f[:, block])
            rb = torch.sigmoid(r_pre[:, block], out=r[:, block])
            xb = x_tilde[:, block]
            cb = torch.addcmul(xb, fb, xb, value=-1.0, out=c[:, block])  # (1 - f) x~
            _scan(fb, cb, prev, cb)  # in place
            prev = cb[:, -1]
            tcb = torch.tanh(cb, out=tc[:, block])
            sb = skip[:, block]
            # r tanh(c) + (1 - r) skip
            torch.addcmul(sb, rb, tcb - sb, out=h[:, block])
        ctx.save_for_backward(x_tilde, f, r, c, tc, skip, c0)
        return h, c

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        x_tilde, f, r, c, tc, skip, c0 = ctx.saved_tensors
        grad_skip, grad_r_pre, grad_f_pre, grad_x_tilde = (
            torch.empty_like(x_tilde) for _ in range(4)
        )
        f_next = g_next = None
        for block in reversed(_time_blocks(x_tilde)):
            ghb, rb, tcb, sb, fb = (
                t[:, block] for t in (grad_h, r, tc, skip, f)
            )
            torch.addcmul(ghb, ghb, rb, value=-1.0, out=grad_skip[:, block])
            torch.mul(ghb * (tcb - sb) * rb, 1 - rb, out=grad_r_pre[:, block])
            grad_c_direct = ghb * rb * (1 - tcb * tcb)
            if grad_c is not None:
                grad_c_direct = grad_c_direct + grad_c[:, block]
            g = _scan_back(fb, grad_c_direct, grad_c_direct, f_next, g_next)
            start = block.start
            c_prev = c0 if start == 0 else c[:, start - 1]
            torch.mul(_grad_f(g, c[:, block], c_prev, minus=x_tilde[:, block]),
                      fb * (1 - fb), out=grad_f_pre[:, block])
            torch.addcmul(g, g, fb, value=-1.0, out=grad_x_tilde[:, block])
            f_next, g_next = fb[:, 0], g[:, 0]
        return grad_x_tilde, grad_f_pre, grad_r_pre, grad_skip, g_next * f_next


class _QRNNElementwise(torch.autograd.Function):
    """QRNN after its gate convolution, fused like :class:`_SRUElementwise`:
    from the pre-activations of ``z``, ``f`` and (pooling permitting) ``o``
    and ``i`` to ``h`` and ``c``, with a hand-written gradient."""

    @staticmethod
    def forward(ctx, pooling, z_pre, f_pre, o_pre, i_pre, c0):
        z, f, c = (torch.empty_like(z_pre) for _ in range(3))
        i = torch.empty_like(i_pre) if pooling == "ifo" else None
        o = None if pooling == "f" else torch.empty_like(o_pre)
        h = c if o is None else torch.empty_like(c)
        prev = c0
        for block in _time_blocks(z_pre):
            zb = torch.tanh(z_pre[:, block], out=z[:, block])
            fb = torch.sigmoid(f_pre[:, block], out=f[:, block])
            if i is not None:
                ib = torch.sigmoid(i_pre[:, block], out=i[:, block])
                cb = torch.mul(ib, zb, out=c[:, block])
            else:
                cb = torch.addcmul(zb, fb, zb, value=-1.0, out=c[:, block])
            _scan(fb, cb, prev, cb)  # in place: b is not needed again
            prev = cb[:, -1]
            if o is not None:
                ob = torch.sigmoid(o_pre[:, block], out=o[:, block])
                torch.mul(ob, cb, out=h[:, block])
        ctx.pooling = pooling
        ctx.save_for_backward(z, f, o, i, c, c0)
        return h, c

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        z, f, o, i, c, c0 = ctx.saved_tensors
        grad_z_pre, grad_f_pre = torch.empty_like(z), torch.empty_like(f)
        grad_o_pre = None if o is None else torch.empty_like(o)
        grad_i_pre = None if i is None else torch.empty_like(i)
        f_next = g_next = None
        for block in reversed(_time_blocks(z)):
            ghb, zb, fb, cb = (t[:, block] for t in (grad_h, z, f, c))
            if o is None:
                grad_c_direct = ghb.clone()
            else:
                ob = o[:, block]
                torch.mul(ghb * cb * ob, 1 - ob, out=grad_o_pre[:, block])
                grad_c_direct = ghb * ob
            if grad_c is not None:
                grad_c_direct += grad_c[:, block]
            g = _scan_back(fb, grad_c_direct, grad_c_direct, f_next, g_next)
            start = block.start
            c_prev = c0 if start == 0 else c[:, start - 1]
            if i is None:  # b = (1 - f) z
                grad_f = _grad_f(g, cb, c_prev, minus=zb)
                grad_z = torch.addcmul(g, g, fb, value=-1.0)
            else:  # b = i z
                ib = i[:, block]
                grad_f = _grad_f(g, cb, c_prev)
                torch.mul(g * zb * ib, 1 - ib, out=grad_i_pre[:, block])
                grad_z = g * ib
            torch.mul(grad_z, 1 - zb * zb, out=grad_z_pre[:, block])
            torch.mul(grad_f, fb * (1 - fb), out=grad_f_pre[:, block])
            f_next, g_next = fb[:, 0], g[:, 0]
        return (None, grad_z_pre, grad_f_pre, grad_o_pre, grad_i_pre,
                g_next * f_next)


class _RWARecurrence(torch.autograd.Function):
    """RWA's recurrence after its input projection, with a hand-written gradient.

    Inputs: ``u``, ``gx``, ``ax`` (n, T, H), the input's parts of the three
    pre-activations (biases included); ``weight`` (2H, H), the hidden
    projection to the ``g`` and ``a`` parts; the state ``h0, num0, den0, m0``
    (n, H). Outputs: ``h`` (n, T, H) and the final ``num, den, m``.

    Autograd through :class:`RWALayer`'s step loop recorded about 15 nodes a
    step and replayed them one by one; here the forward records none and the
    backward runs one loop of about as many kernels, with everything that
    does not feed the recurrence (the gradients of ``u`` and ``weight``)
    batched over all steps after it. Forward plus backward at batch 32,
    width 256, T = 1000: 1.55x faster on an H200 GPU (675 -> 436 ms; still a
    loop of small kernels, against cuDNN LSTM's 32 ms) and about 1.3x on one
    CPU thread (level with ``nn.LSTM``). The gradient is that of the unscaled
    average ``N_t / D_t`` (``N_t = num_t exp(m_t)``), whose dependence on the
    running maximum cancels; its adjoints are kept scaled by ``exp(m_t)``, so
    nothing overflows, as in the forward pass.
    """

    @staticmethod
    def forward(ctx, u, gx, ax, weight, h0, num0, den0, m0):
        n, T, H = u.shape
        hs, tg, so, sn, ratio, den_all = (torch.empty_like(u) for _ in range(6))
        w_t = weight.t()
        h, num, den, m = h0, num0, den0, m0
        for t in range(T):
            proj = torch.mm(h, w_t)
            tgt = torch.tanh(gx[:, t] + proj[:, :H], out=tg[:, t])
            a = ax[:, t] + proj[:, H:]
            m_new = torch.maximum(m, a)
            sot = torch.exp(m - m_new, out=so[:, t])
            snt = torch.exp(a - m_new, out=sn[:, t])
            num = torch.addcmul(num * sot, u[:, t] * tgt, snt)
            den = torch.addcmul(snt, den, sot, out=den_all[:, t])
            h = torch.tanh(torch.div(num, den, out=ratio[:, t]), out=hs[:, t])
            m = m_new
        ctx.save_for_backward(u, ax, weight, h0, num0, den0, m0, hs, tg, so, sn, ratio,
                              den_all, num)
        ctx.set_materialize_grads(False)
        return hs, num, den, m

    @staticmethod
    def backward(ctx, grad_hs, grad_num, grad_den, grad_m):
        (u, ax, weight, h0, num0, den0, m0, hs, tg, so, sn, ratio, den_all,
         num) = ctx.saved_tensors
        n, T, H = u.shape
        h_prev = torch.cat([h0[:, None], hs[:, :-1]], dim=1)
        grad_proj = u.new_empty(n, T, 2 * H)  # of (g, a): also grad gx, ax
        grad_z = torch.empty_like(u)
        # The final state in scaled form, num_T = N_T exp(-m_T), also depends
        # on m_T = max(m0, a_0, ..., a_T-1): that gradient goes to the largest
        # a (or to m0), found again from the a's (one batched product).
        via_max = to_m0 = None
        if grad_num is not None or grad_den is not None or grad_m is not None:
            grad_max = 0.0 if grad_m is None else grad_m
            if grad_num is not None:
                grad_max = grad_max - grad_num * num
            if grad_den is not None:
                grad_max = grad_max - grad_den * den_all[:, -1]
            grad_max = grad_max + u.new_zeros(n, H)
            a = ax + torch.matmul(h_prev, weight[H:].t())
            a_max, where = a.max(dim=1)
            to_m0 = m0 >= a_max
            via_max = torch.zeros_like(u).scatter_(
                1, where[:, None], torch.where(to_m0, 0.0, grad_max)[:, None]
            )
            to_m0 = torch.where(to_m0, grad_max, 0.0)
        # Adjoints of the numerator and denominator, scaled by exp(m_t); the
        # final state's gradients enter at the last step (there num_T =
        # N_T exp(-m_T), so its gradient is already in these units).
        lam_num = u.new_zeros(n, H) if grad_num is None else grad_num
        lam_den = u.new_zeros(n, H) if grad_den is None else grad_den
        grad_h = u.new_zeros(n, H)  # from the next step's projection
        for t in range(T - 1, -1, -1):
            g = grad_h if grad_hs is None else grad_hs[:, t] + grad_h
            ht = hs[:, t]
            q = torch.addcmul(g, g * ht, ht, value=-1.0).div_(den_all[:, t])  # d r / den
            decay = so[:, t + 1] if t + 1 < T else 1.0
            lam_num = torch.addcmul(q, lam_num, decay) if t + 1 < T else q + lam_num
            lam_den = torch.addcmul(lam_den * decay, q, ratio[:, t], value=-1.0)
            snt, tgt, ut = sn[:, t], tg[:, t], u[:, t]
            gz = torch.mul(lam_num, snt, out=grad_z[:, t])
            grad_a = torch.mul(torch.addcmul(lam_den, lam_num * ut, tgt), snt,
                               out=grad_proj[:, t, H:])
            if via_max is not None:
                grad_a += via_max[:, t]
            torch.mul(gz * ut, 1 - tgt * tgt, out=grad_proj[:, t, :H])
            grad_h = torch.mm(grad_proj[:, t], weight)
        grad_weight = torch.mm(grad_proj.reshape(n * T, 2 * H).t(),
                               h_prev.reshape(n * T, H))
        # N_-1 = num0 exp(m0): num0's adjoint is lam_num exp(m0 - m_0)
        grad_num0, grad_den0 = lam_num * so[:, 0], lam_den * so[:, 0]
        grad_m0 = grad_num0 * num0 + grad_den0 * den0
        if to_m0 is not None:
            grad_m0 = grad_m0 + to_m0
        return (grad_z * tg, grad_proj[..., :H], grad_proj[..., H:], grad_weight,
                grad_h, grad_num0, grad_den0, grad_m0)


# ---------------------------------------------------------------------------
# Single-direction layers of the new cells: (n, T, C) -> (n, T, H), state
# ---------------------------------------------------------------------------


class RWALayer(nn.Module):
    """Recurrent weighted average (Ostmeyer & Cowell, 2017), one direction.

    ``h_t = tanh(n_t / d_t)``, the average of ``z_i = u(x_i) * tanh(g(x_i,
    h_{i-1}))`` over all steps so far weighted by ``exp(a(x_i, h_{i-1}))``.
    Numerator and denominator are kept scaled by ``exp(-m_t)``, ``m_t`` the
    running maximum of the ``a``, so no exponential overflows whatever the
    series' length. ``h_0 = tanh(s)`` with ``s`` learned. State:
    ``(h, numerator, denominator, running_max)``.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        # x -> (u, g, a) in one product for all steps; h -> (g, a) per step.
        # u and g have biases; a has none, as in the paper: a constant shift
        # of a cancels in the weighted average.
        self.input_proj = nn.Linear(input_size, 3 * hidden_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(2 * hidden_size))
        self.hidden_proj = nn.Linear(hidden_size, 2 * hidden_size, bias=False)
        self.initial = nn.Parameter(torch.empty(hidden_size))
        with torch.no_grad():
            nn.init.xavier_uniform_(self.input_proj.weight)
            nn.init.xavier_uniform_(self.hidden_proj.weight)
            nn.init.normal_(self.initial, 0.0, 1.0)

    def initial_state(self, n, like):
        H = self.hidden_size
        h = torch.tanh(self.initial).expand(n, H)
        zeros = like.new_zeros(n, H)
        # A finite "minus infinity": exp(m_0 - m_1) is exactly 0, never NaN.
        return h, zeros, zeros, torch.full_like(zeros, -1e30)

    def forward(self, x, state=None):
        n, T, _ = x.shape
        H = self.hidden_size
        h, num, den, m = self.initial_state(n, x) if state is None else state
        proj = self.input_proj(x)
        proj = torch.cat([proj[..., : 2 * H] + self.bias, proj[..., 2 * H :]], dim=2)
        u, gx, ax = proj.split(H, dim=2)
        hs, num, den, m = _RWARecurrence.apply(
            u, gx, ax, self.hidden_proj.weight, h, num, den, m
        )
        return hs, (hs[:, -1], num, den, m)


class QRNNLayer(nn.Module):
    """Quasi-recurrent layer (Bradbury et al., 2017), one direction.

    One causal convolution over ``window`` steps gives the candidate ``z``
    (tanh) and the gates (sigmoid) of every step at once; the pooling is
    ``c_t = f_t c_{t-1} + (1 - f_t) z_t`` (``"f"``, ``"fo"``) or ``f_t c_{t-1}
    + i_t z_t`` (``"ifo"``), with ``h_t = c_t`` (``"f"``) or ``o_t c_t``. State:
    ``(c, the last window - 1 inputs)``, so a carried state continues the
    convolution across chunks exactly.
    """

    def __init__(
        self, input_size, hidden_size, *, window=2, pooling="fo", forget_bias=1.0
    ):
        super().__init__()
        if pooling not in QRNN_POOLINGS:
            raise ValueError(
                f"qrnn_pooling must be one of {QRNN_POOLINGS}, got {pooling!r}"
            )
        self.hidden_size, self.window, self.pooling = hidden_size, window, pooling
        self.n_gates = {"f": 2, "fo": 3, "ifo": 4}[pooling]
        self.conv = nn.Linear(window * input_size, self.n_gates * hidden_size)
        with torch.no_grad():
            self.conv.bias[hidden_size : 2 * hidden_size] = forget_bias

    def forward(self, x, state=None):
        n, T, C = x.shape
        k, H = self.window, self.hidden_size
        if state is None:
            c0, tail = None, x.new_zeros(n, k - 1, C)
        else:
            c0, tail = state
        padded = torch.cat([tail, x], dim=1)  # (n, T + k - 1, C)
        # The k-step windows as one (n, T, k * C) view: the convolution is a
        # single matrix product over all steps.
        windows = padded.unfold(1, k, 1).transpose(2, 3).reshape(n, T, k * C)
        gates = self.conv(windows).split(H, dim=2)
        if c0 is None:
            c0 = x.new_zeros(n, H)
        h, c = _QRNNElementwise.apply(
            self.pooling,
            gates[0],
            gates[1],
            gates[2] if self.pooling != "f" else None,
            gates[3] if self.pooling == "ifo" else None,
            c0,
        )
        return h, (c[:, -1], padded[:, T:])


class SRULayer(nn.Module):
    """Simple recurrent unit (Lei et al., 2017), one direction.

    ``x~ = W x``, ``f = sigmoid(W_f x + b_f)``, ``r = sigmoid(W_r x + b_r)``
    from one matrix product over all steps; ``c_t = f_t c_{t-1} + (1 - f_t)
    x~_t`` element-wise, and the highway output ``h_t = r_t tanh(c_t) + (1 -
    r_t) x'_t``, with ``x' = x`` when the widths agree, else a learned
    projection of ``x``. State: ``(c,)``.
    """

    def __init__(self, input_size, hidden_size, *, forget_bias=1.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.project = input_size != hidden_size
        n_parts = 4 if self.project else 3
        self.proj = nn.Linear(input_size, n_parts * hidden_size)
        with torch.no_grad():
            self.proj.bias[hidden_size : 2 * hidden_size] = forget_bias

    def forward(self, x, state=None):
        H = self.hidden_size
        parts = self.proj(x).split(H, dim=2)
        skip = parts[3] if self.project else x
        c0 = x.new_zeros(x.shape[0], H) if state is None else state[0]
        h, c = _SRUElementwise.apply(parts[0], parts[1], parts[2], skip, c0)
        return h, (c[:, -1],)


def make_layer(cell, input_size, hidden_size, *, window=2, qrnn_pooling="fo",
               forget_bias=1.0):
    """One single-direction layer of a new cell (``"rwa"``, ``"qrnn"``, ``"sru"``)."""
    if cell == "rwa":
        return RWALayer(input_size, hidden_size)
    if cell == "qrnn":
        return QRNNLayer(
            input_size, hidden_size, window=window, pooling=qrnn_pooling,
            forget_bias=forget_bias,
        )
    if cell == "sru":
        return SRULayer(input_size, hidden_size, forget_bias=forget_bias)
    raise ValueError(f"unknown cell {cell!r}; expected one of {CELLS}")


def reverse_padded(x, lengths):
    """Reverse each series of ``(n, T, ...)`` within its first ``lengths[i]`` steps.

    Steps past a series' length stay where they are; applying it twice is
    the identity.
    """
    T = x.shape[1]
    steps = torch.arange(T, device=x.device)
    lengths = lengths.to(x.device)[:, None]
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    index = index.view(*index.shape, *([1] * (x.ndim - 2))).expand_as(x)
    return x.gather(1, index)


# ---------------------------------------------------------------------------
# The stack
# ---------------------------------------------------------------------------


class RecurrentStack(nn.Module):
    """Stacked (optionally bidirectional) recurrent layers of any cell.

    Parameters
    ----------
    input_size, hidden_size : int
    cell : {"lstm", "gru", "rnn", "rwa", "qrnn", "sru"}
    num_layers : int
    bidirectional : bool
    merge_mode : {"concat", "sum", "mul", "ave"}
        How the two directions' outputs are combined (Keras' modes).
    dropout : float
        Dropout on the outputs of every layer but the last (training only).
    unit_forget_bias : bool
        Forget-gate bias 1 for ``"lstm"`` (Jozefowicz et al., 2015) and for
        the forget gates of ``"qrnn"`` and ``"sru"``.
    window, qrnn_pooling
        QRNN options, see :data:`CELL_PARAMETERS_DOC`.

    Attributes
    ----------
    output_size : int
        Width of the merged outputs.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        *,
        cell="lstm",
        num_layers=1,
        bidirectional=False,
        merge_mode="concat",
        dropout=0.0,
        unit_forget_bias=True,
        window=2,
        qrnn_pooling="fo",
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; expected one of {CELLS}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"unknown merge_mode {merge_mode!r}; expected one of {MERGE_MODES}"
            )
        # (numpy integers and booleans from a parameter grid: torch's layers
        # take Python ints and bools only)
        input_size, hidden_size, num_layers = (
            int(input_size), int(hidden_size), int(num_layers)
        )
        bidirectional = bool(bidirectional)
        self.cell, self.input_size, self.hidden_size = cell, input_size, hidden_size
        self.num_layers, self.bidirectional = num_layers, bidirectional
        self.merge_mode, self.dropout = merge_mode, float(dropout)
        self.directions = 2 if bidirectional else 1
        if cell in TORCH_CELLS:
            self.rnn = TORCH_CELLS[cell](
                input_size,
                hidden_size,
                num_layers=num_layers,
                batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0,
                bidirectional=bidirectional,
            )
            if unit_forget_bias and cell == "lstm":
                # Torch gate order i, f, g, o; it adds bias_ih and bias_hh,
                # so one is set to 1 and the other to 0.
                with torch.no_grad():
                    for name, param in self.rnn.named_parameters():
                        if name.startswith("bias_"):
                            param[hidden_size : 2 * hidden_size] = (
                                1.0 if name.startswith("bias_ih") else 0.0
                            )
        else:
            layer_input = 2 * hidden_size if bidirectional else hidden_size
            self.layers = nn.ModuleList(
                make_layer(
                    cell,
                    input_size if i < self.directions else layer_input,
                    hidden_size,
                    window=window,
                    qrnn_pooling=qrnn_pooling,
                    forget_bias=1.0 if unit_forget_bias else 0.0,
                )
                for i in range(num_layers * self.directions)
            )
        concat = bidirectional and merge_mode == "concat"
        self.output_size = 2 * hidden_size if concat else hidden_size

    def _merge(self, out):
        if not self.bidirectional:
            return out
        forward, backward = out.split(self.hidden_size, dim=-1)
        return merge_directions(forward, backward, self.merge_mode)

    def forward(self, x, lengths=None, state=None):
        """Run the stack.

        Parameters
        ----------
        x : Tensor of shape (n, T, C)
            Finite values; padding steps (after each series' ``lengths``)
            may hold anything.
        lengths : Tensor of shape (n,) or None
            Valid steps of each series (``None``: all ``T``).
        state : list or None
            A state returned by an earlier call, to continue from (one
            direction only). ``None`` starts afresh.

        Returns
        -------
        outputs : Tensor of shape (n, T, output_size)
            Merged top-layer outputs; those at padding steps are meaningless.
        last : Tensor of shape (n, output_size)
            Merged outputs after each series' last valid step (the backward
            direction: after reading the series back to its first step).
        state : list or None
            One tuple of ``(n, ...)`` tensors per layer, to pass back in:
            the state after step ``T``, which is not a padded series' own
            (torch's cells give None for ragged ``lengths`` with no carried
            ``state``).
        """
        if state is not None and self.bidirectional:
            raise ValueError("a carried state needs a one-directional stack")
        if self.cell in TORCH_CELLS:
            return self._forward_torch(x, lengths, state)
        return self._forward_layers(x, lengths, state)

    def _forward_torch(self, x, lengths, state):
        n, T, _ = x.shape
        if lengths is not None and int(lengths.min()) >= T:
            lengths = None  # nothing to skip
        if lengths is not None and state is None:
            if not self.bidirectional:
                # A forward layer's output at a valid step never reads the
                # padding after it: run the padded batch, read each series'
                # last valid output (the final state would be the padding's).
                out, _ = self.rnn(x)
                idx = (lengths.to(x.device) - 1).clamp(min=0)
                return out, out[torch.arange(n, device=x.device), idx], None
            if x.device.type == "cpu":  # (cuDNN runs packed batches natively)
                return self._forward_torch_layers(x, lengths)
        hx = None
        if state is not None:  # per layer (h,) or (h, c), batch first
            hx = tuple(torch.stack(parts) for parts in zip(*state))
            hx = hx[0] if len(hx) == 1 else hx
        if lengths is None:
            out, final = self.rnn(x, hx)
        else:
            packed = pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            out, final = self.rnn(packed, hx)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        finals = final if isinstance(final, tuple) else (final,)
        h = finals[0].view(self.num_layers, self.directions, n, self.hidden_size)[-1]
        last = merge_directions(h[0], h[1], self.merge_mode) if self.bidirectional else h[0]
        new_state = [
            tuple(part[layer] for part in finals) for layer in range(self.num_layers)
        ]
        return self._merge(out), last, new_state

    def _forward_torch_layers(self, x, lengths):
        """Bidirectional torch cells on ragged series, layer by layer and
        direction by direction with the fused module's own weights: the
        backward direction reads each series reversed within its length, as
        in :meth:`_forward_layers` (no final state)."""
        n, T, _ = x.shape
        h = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout:
                h = F.dropout(h, self.dropout, self.training)
            out, _ = self._torch_direction(h, layer, "")
            back = reverse_padded(h, lengths)
            out_b, _ = self._torch_direction(back, layer, "_reverse")
            h = torch.cat([out, reverse_padded(out_b, lengths)], dim=2)
        H = self.hidden_size
        idx = (lengths.to(x.device) - 1).clamp(min=0)
        last_f, first_b = h[torch.arange(n, device=x.device), idx, :H], h[:, 0, H:]
        last = merge_directions(last_f, first_b, self.merge_mode)
        return self._merge(h), last, None

    def _torch_direction(self, x, layer, suffix):
        """One direction of one layer of ``self.rnn`` over ``x`` (n, T, C)."""
        rnn = self.rnn
        names = ("weight_ih", "weight_hh")
        if rnn.bias:
            names += ("bias_ih", "bias_hh")
        weights = {
            f"{name}_l0": getattr(rnn, f"{name}_l{layer}{suffix}") for name in names
        }
        key = (type(rnn), x.shape[2], rnn.hidden_size, rnn.bias,
               getattr(rnn, "nonlinearity", None))
        templates = _TEMPLATES.__dict__.setdefault("modules", {})
        if key not in templates:
            kwargs = {"nonlinearity": key[4]} if key[4] is not None else {}
            templates[key] = type(rnn)(key[1], key[2], bias=key[3], batch_first=True,
                                       device="meta", **kwargs)
        return functional_call(templates[key], weights, (x,))

    def _forward_layers(self, x, lengths, state):
        n, T, _ = x.shape
        if lengths is None:
            lengths = torch.full((n,), T, dtype=torch.long, device=x.device)
        h, new_state = x, []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout:
                h = F.dropout(h, self.dropout, self.training)
            cell = self.layers[layer * self.directions]
            out, st = cell(h, None if state is None else state[layer])
            new_state.append(st)
            if self.bidirectional:
                back = self.layers[layer * self.directions + 1]
                out_b, _ = back(reverse_padded(h, lengths), None)
                out = torch.cat([out, reverse_padded(out_b, lengths)], dim=2)
            h = out
        idx = (lengths.to(x.device) - 1).clamp(min=0)
        rows = torch.arange(n, device=x.device)
        if self.bidirectional:
            H = self.hidden_size
            last_f, first_b = h[rows, idx, :H], h[:, 0, H:]
            last = merge_directions(last_f, first_b, self.merge_mode)
        else:
            last = h[rows, idx]
        return self._merge(h), last, new_state


# One-layer, one-direction modules on the "meta" device (no weights of their
# own) that _torch_direction runs with a layer's weights; per thread, since
# functional_call swaps the weights in and out of the module.
_TEMPLATES = threading.local()


def detach_state(state):
    """A carried state cut from the graph: truncated back-propagation."""
    return [tuple(t.detach() for t in layer) for layer in state]


def state_prefix(state, n):
    """The states of the first ``n`` streams (batch rows)."""
    return [tuple(t[:n] for t in layer) for layer in state]


def repeat_state(state, n):
    """The state of one stream (batch row) repeated for ``n`` streams."""
    return [tuple(t.expand(n, *t.shape[1:]).contiguous() for t in layer)
            for layer in state]


def parameter_count(module):
    """Trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def hidden_size_for_budget(cell, input_size, budget, **kwargs):
    """Largest hidden size whose one-layer stack has at most ``budget``
    parameters (for comparisons at equal parameter counts)."""
    def count(h):
        return parameter_count(RecurrentStack(input_size, h, cell=cell, **kwargs))

    lo, hi = 1, 2
    while count(hi) <= budget:  # parameters grow with the hidden size
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count(mid) <= budget:
            lo = mid
        else:
            hi = mid
    return lo
