using System;
using ILGPU.Runtime.Cuda;

namespace EinsumGen
{
    public sealed partial class EinsumDevice
    {
        private bool _useCuBlas;
        private CuBlas<CuBlasPointerModeHandlers.AutomaticMode>? _cuBlas;

        /// <summary>
        /// Runs a step that is a plain or batched GEMM (see docs/gpu.md) through cuBLAS (<c>libcublas</c>, through
        /// ILGPU.Algorithms) instead of this package's tiled kernel, when each matrix has a unit stride along one of its
        /// axes; other steps are unchanged. Off by default. Only a CUDA device has cuBLAS: setting it on the CPU accelerator
        /// throws. Not yet run on a GPU (none was available to the session that wrote it).
        /// </summary>
        /// <exception cref="NotSupportedException">Set to true on a device that is not CUDA.</exception>
        public bool UseCuBlas
        {
            get => _useCuBlas;
            set
            {
                if (value && Kind != EinsumDeviceKind.Cuda) throw new NotSupportedException("cuBLAS needs a CUDA device; this one is ILGPU's CPU accelerator.");
                _useCuBlas = value;
            }
        }

        /// <summary>The cuBLAS handle on this device's stream, created on first use; null when cuBLAS is off.</summary>
        internal CuBlas<CuBlasPointerModeHandlers.AutomaticMode>? CuBlas
        {
            get
            {
                if (!_useCuBlas) return null;
                if (_cuBlas is null)
                {
                    _cuBlas = new CuBlas<CuBlasPointerModeHandlers.AutomaticMode>((CudaAccelerator)_accelerator);
                    _cuBlas.Stream = (CudaStream)Stream;
                }
                return _cuBlas;
            }
        }

        private void DisposeCuBlas()
        {
            _cuBlas?.Dispose();
            _cuBlas = null;
        }
    }
}
