using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EinsumGen.Runtime.Kernels
{
    /// <summary>The vector operations the kernels are written against; one struct per vector width, so every kernel is specialized by the JIT.</summary>
    internal unsafe interface ISimd<T, TV> where T : unmanaged, INumberBase<T> where TV : struct
    {
        /// <summary>Lanes.</summary>
        static abstract int Count { get; }
        /// <summary>Whether this width runs on hardware here (otherwise it still computes correctly, slowly).</summary>
        static abstract bool IsHardwareAccelerated { get; }
        /// <summary>All lanes zero.</summary>
        static abstract TV Zero { get; }
        /// <summary>Unaligned load of <see cref="Count"/> elements.</summary>
        static abstract TV Load(T* p);
        /// <summary>Unaligned store of <see cref="Count"/> elements.</summary>
        static abstract void Store(T* p, TV v);
        /// <summary>All lanes = *p.</summary>
        static abstract TV Broadcast(T* p);
        /// <summary>All lanes = <paramref name="value"/>.</summary>
        static abstract TV Splat(T value);
        /// <summary>a·b + c (fused where the hardware has it).</summary>
        static abstract TV Fma(TV a, TV b, TV c);
        /// <summary>a + b.</summary>
        static abstract TV Add(TV a, TV b);
        /// <summary>a · b.</summary>
        static abstract TV Multiply(TV a, TV b);
        /// <summary>
        /// a·b + c on one element, rounded as one lane of <see cref="Fma"/> rounds it (fused for float and double on every
        /// vector width, as <c>Vector512.FusedMultiplyAdd</c> is even where it is emulated): a kernel computes the elements
        /// before and after its whole vectors with this, so that which elements fall outside the vectors (that depends on
        /// where the tensor lies) never changes a result's bits.
        /// </summary>
        static abstract T MulAdd(T a, T b, T c);
        /// <summary>Sum of the lanes.</summary>
        static abstract T Sum(TV v);
        /// <summary>
        /// Lane i = lane indices[i] of v; the indices are int for 4-byte elements, long for 8-byte ones, and each must lie in
        /// [0, <see cref="Count"/>) (the hardware's permute, without the range check of <c>Vector512.Shuffle</c>).
        /// </summary>
        static abstract TV Shuffle(TV v, void* indices);
    }

    internal unsafe struct Simd512<T> : ISimd<T, Vector512<T>> where T : unmanaged, INumberBase<T>
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<T>.Count; }
        public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;
        public static Vector512<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<T>.Zero; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(T* p) => Vector512.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector512<T> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Broadcast(T* p) => Vector512.Create(*p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Splat(T value) => Vector512.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MulAdd(T a, T b, T c) => Fused.MulAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> v) => Vector512.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Shuffle(Vector512<T> v, void* indices)
        {
            if (typeof(T) == typeof(float)) return Vector512.ShuffleNative(v.AsSingle(), Vector512.Load((int*)indices)).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.ShuffleNative(v.AsDouble(), Vector512.Load((long*)indices)).As<double, T>();
            throw new System.NotSupportedException();
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        {
            if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            return a * b + c;
        }
    }

    internal unsafe struct Simd256<T> : ISimd<T, Vector256<T>> where T : unmanaged, INumberBase<T>
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<T>.Count; }
        public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;
        public static Vector256<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<T>.Zero; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(T* p) => Vector256.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector256<T> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Broadcast(T* p) => Vector256.Create(*p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Splat(T value) => Vector256.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MulAdd(T a, T b, T c) => Fused.MulAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> v) => Vector256.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Shuffle(Vector256<T> v, void* indices)
        {
            if (typeof(T) == typeof(float)) return Vector256.ShuffleNative(v.AsSingle(), Vector256.Load((int*)indices)).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector256.ShuffleNative(v.AsDouble(), Vector256.Load((long*)indices)).As<double, T>();
            throw new System.NotSupportedException();
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        {
            if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            return a * b + c;
        }
    }

    internal unsafe struct Simd128<T> : ISimd<T, Vector128<T>> where T : unmanaged, INumberBase<T>
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128<T>.Count; }
        public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;
        public static Vector128<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128<T>.Zero; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(T* p) => Vector128.Load(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, Vector128<T> v) => v.Store(p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Broadcast(T* p) => Vector128.Create(*p);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Splat(T value) => Vector128.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MulAdd(T a, T b, T c) => Fused.MulAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector128<T> v) => Vector128.Sum(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> Shuffle(Vector128<T> v, void* indices)
        {
            if (typeof(T) == typeof(float)) return Vector128.ShuffleNative(v.AsSingle(), Vector128.Load((int*)indices)).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector128.ShuffleNative(v.AsDouble(), Vector128.Load((long*)indices)).As<double, T>();
            throw new System.NotSupportedException();
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<T> Fma(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        {
            if (typeof(T) == typeof(float)) return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            return a * b + c;
        }
    }

    /// <summary>One lane: plain scalar arithmetic (the portable fallback).</summary>
    internal unsafe struct SimdScalar<T> : ISimd<T, T> where T : unmanaged, INumberBase<T>
    {
        public static int Count => 1;
        public static bool IsHardwareAccelerated => true;
        public static T Zero => T.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Load(T* p) => *p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T* p, T v) => *p = v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Broadcast(T* p) => *p;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Splat(T value) => value;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Add(T a, T b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Multiply(T a, T b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T MulAdd(T a, T b, T c) => a * b + c;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(T v) => v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Shuffle(T v, void* indices) => v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Fma(T a, T b, T c) => a * b + c;
    }

    /// <summary>One element's fused multiply-add, as a vector lane of the same element type computes it.</summary>
    internal static class Fused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T MulAdd<T>(T a, T b, T c) where T : unmanaged, INumberBase<T>
        {
            if (typeof(T) == typeof(float))
            {
                return Unsafe.BitCast<float, T>(MathF.FusedMultiplyAdd(Unsafe.BitCast<T, float>(a), Unsafe.BitCast<T, float>(b), Unsafe.BitCast<T, float>(c)));
            }
            if (typeof(T) == typeof(double))
            {
                return Unsafe.BitCast<double, T>(Math.FusedMultiplyAdd(Unsafe.BitCast<T, double>(a), Unsafe.BitCast<T, double>(b), Unsafe.BitCast<T, double>(c)));
            }
            return a * b + c;
        }
    }
}
