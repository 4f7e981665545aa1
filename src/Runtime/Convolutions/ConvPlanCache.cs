using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace EinsumGen.Convolutions
{
    /// <summary>
    /// The plans of one <see cref="ConvSpec"/>, per operation and call shape (batch, channels, spatial sizes): the network
    /// built and simplified for those sizes and its <see cref="ConvNetworkPlan"/>s (the whole batch, and the chunks it runs
    /// in when pattern steps are left). A call with a shape seen before only checks shapes, binds and runs. Thread-safe;
    /// bounded (cleared when full, as <c>EinsumProgram</c>'s plans).
    /// </summary>
    internal sealed class ConvPlanCache
    {
        /// <summary>Plans kept per spec.</summary>
        public const int MaxPlans = 64;

        /// <summary>Off: every call builds, simplifies and plans again (the benchmarks measure what the cache saves).</summary>
        internal static bool Enabled = true;

        private readonly ConcurrentDictionary<Key, ConvCallPlan> _plans = new ConcurrentDictionary<Key, ConvCallPlan>();

        /// <summary>The key of a call: the operation, batch, channels and the convolution's spatial input sizes.</summary>
        public static Key KeyOf(ConvOperation operation, ConvGeometry[] geometries, int batch, int inChannels, int outChannels)
        {
            var spatial = new int[geometries.Length];
            for (int d = 0; d < spatial.Length; d++) spatial[d] = geometries[d].InputSize;
            return new Key(operation, batch, inChannels, outChannels, spatial);
        }

        /// <summary>The plan kept for <paramref name="key"/>, if any (none when the cache is off).</summary>
        public bool TryGet(Key key, out ConvCallPlan plan)
        {
            plan = null!;
            return Enabled && _plans.TryGetValue(key, out plan!);
        }

        /// <summary>Keeps <paramref name="plan"/> for <paramref name="key"/> (the first one made wins when threads race); returns the kept one.</summary>
        public ConvCallPlan Add(Key key, ConvCallPlan plan)
        {
            if (!Enabled) return plan;
            if (_plans.Count >= MaxPlans) _plans.Clear();
            return _plans.GetOrAdd(key, plan);
        }

        private readonly ConcurrentDictionary<Key, ConvAveragedPlan> _averaged = new ConcurrentDictionary<Key, ConvAveragedPlan>();

        /// <summary>The pre-averaged KFAC-reduce plan for these sizes, made on first use.</summary>
        public ConvAveragedPlan GetAveraged(ConvGeometry[] geometries, int batch, int channels, int groups)
        {
            var key = KeyOf(ConvOperation.KfacReduceAveraged, geometries, batch, channels, groups);
            if (Enabled && _averaged.TryGetValue(key, out var plan)) return plan;
            plan = new ConvAveragedPlan(geometries, batch, channels, groups);
            if (!Enabled) return plan;
            if (_averaged.Count >= MaxPlans) _averaged.Clear();
            return _averaged.GetOrAdd(key, plan);
        }

        private readonly ConcurrentDictionary<Key, object> _kernels = new ConcurrentDictionary<Key, object>();

        /// <summary>
        /// What a kernel keeps for these geometries alone (pattern tables, stride phases), whatever the batch and channels: made
        /// by <paramref name="make"/> on first use. <paramref name="operation"/> tells the kinds apart.
        /// </summary>
        public TPlan GetKernel<TPlan>(ConvOperation operation, ConvGeometry[] geometries, Func<ConvGeometry[], TPlan> make) where TPlan : class
        {
            var key = KeyOf(operation, geometries, 0, 0, 0);
            if (Enabled && _kernels.TryGetValue(key, out var kept)) return (TPlan)kept;
            var plan = make(geometries);
            if (!Enabled) return plan;
            if (_kernels.Count >= MaxPlans) _kernels.Clear();
            return (TPlan)_kernels.GetOrAdd(key, plan);
        }

        /// <summary>The number of plans kept (tests).</summary>
        internal int Count => _plans.Count + _averaged.Count;

        internal sealed class Key : IEquatable<Key>
        {
            private readonly ConvOperation _operation;
            private readonly int _batch, _in, _out, _hash;
            private readonly int[] _spatial;

            public Key(ConvOperation operation, int batch, int inChannels, int outChannels, int[] spatial)
            {
                _operation = operation;
                _batch = batch;
                _in = inChannels;
                _out = outChannels;
                _spatial = spatial;
                var hash = new HashCode();
                hash.Add(operation);
                hash.Add(batch);
                hash.Add(inChannels);
                hash.Add(outChannels);
                foreach (int s in spatial) hash.Add(s);
                _hash = hash.ToHashCode();
            }

            public bool Equals(Key? other) => other is not null && _hash == other._hash && _operation == other._operation && _batch == other._batch
                && _in == other._in && _out == other._out && _spatial.AsSpan().SequenceEqual(other._spatial);

            public override bool Equals(object? obj) => Equals(obj as Key);

            public override int GetHashCode() => _hash;
        }
    }

    /// <summary>The networks of one operation at one call shape: the whole batch, or the chunks it runs in.</summary>
    internal sealed class ConvCallPlan
    {
        private readonly Func<int, ConvNetwork> _network;
        private readonly ConcurrentDictionary<int, ConvNetworkPlan> _remainders = new ConcurrentDictionary<int, ConvNetworkPlan>();

        /// <param name="network">Builds (and simplifies) the network for a batch of the given size.</param>
        /// <param name="batch">The call's batch.</param>
        /// <param name="chunk">The batch each chunk holds (the whole batch when no pattern steps are left).</param>
        public ConvCallPlan(Func<int, ConvNetwork> network, int batch, Func<ConvNetwork, int> chunk)
        {
            _network = network;
            var whole = network(batch);
            Chunk = chunk(whole);
            Full = Chunk >= batch ? new ConvNetworkPlan(whole) : new ConvNetworkPlan(network(Chunk));
        }

        /// <summary>The batch each chunk holds (at least the whole batch: one run).</summary>
        public int Chunk { get; }

        /// <summary>The plan of a full chunk (of the whole batch when it runs at once).</summary>
        public ConvNetworkPlan Full { get; }

        /// <summary>The plan of the last, smaller chunk of <paramref name="count"/> samples.</summary>
        public ConvNetworkPlan Remainder(int count) => _remainders.GetOrAdd(count, c => new ConvNetworkPlan(_network(c)));
    }
}
