"""Every public name of Keras 3.15's namespaces exists in Lamina, except the
ones listed below: names that only make sense on another backend, and names
still missing, grouped by the open issue that owns them. When a name lands,
`test_missing_list_is_current` fails until it leaves the list, so the list
only shrinks."""

import importlib

import pytest

keras = pytest.importorskip("keras")

NAMESPACES = [
    "", "activations", "applications", "backend", "callbacks", "config",
    "constraints", "datasets", "datasets.boston_housing",
    "datasets.california_housing", "datasets.cifar10", "datasets.cifar100",
    "datasets.fashion_mnist", "datasets.imdb", "datasets.mnist",
    "datasets.reuters", "distillation", "distribution", "dtype_policies",
    "export", "initializers", "layers", "legacy", "legacy.saving", "losses",
    "metrics", "mixed_precision", "models", "ops", "ops.image", "ops.linalg",
    "ops.nn", "ops.numpy", "optimizers", "optimizers.legacy",
    "optimizers.schedules", "preprocessing", "preprocessing.image",
    "preprocessing.sequence", "quantizers", "random", "regularizers",
    "saving", "tree", "utils", "utils.bounding_boxes", "utils.legacy",
    "visualization", "wrappers",
]

# Names that exist for other backends only; Lamina runs on torch alone.
NOT_FOR_TORCH = {
    "": {"src"},  # Keras's private implementation package
    "layers": {"FlaxLayer", "JaxLayer",  # wrap JAX/Flax functions
               "TFSMLayer"},  # loads a TensorFlow SavedModel
    "config": {"is_nnx_enabled"},  # Flax NNX integration
    "callbacks": {"OrbaxCheckpoint"},  # JAX's Orbax checkpointing
}

# Names still missing, by owner, then namespace ("" is `keras` itself).
MISSING = {
    "issue 11, random, tree, config, utils, visualization and top-level scopes": {
        "": """
            Function RematScope StatelessScope SymbolicScope
            name_scope remat tree visualization""",
        "callbacks": """
            SwapEMAWeights""",
        "config": """
            disable_flash_attention disable_traceback_filtering
            dtype_policy enable_flash_attention
            enable_traceback_filtering
            is_flash_attention_enabled
            is_traceback_filtering_enabled max_epochs
            max_steps_per_epoch set_backend set_dtype_policy
            set_max_epochs set_max_steps_per_epoch""",
        "random": """
            beta binomial categorical dropout gamma randint
            shuffle""",
        "tree": """
            MAP_TO_NONE assert_same_paths assert_same_structure
            flatten flatten_with_path is_nested lists_to_tuples
            map_shape_structure map_structure
            map_structure_up_to pack_sequence_as traverse""",
        "utils": """
            Config FeatureSpace audio_dataset_from_directory
            bounding_boxes clear_session get_source_inputs
            is_keras_tensor pack_x_y_sample_weight split_dataset
            standardize_dtype unpack_x_y_sample_weight""",
        "utils.bounding_boxes": """
            affine_transform clip_to_image_size compute_ciou
            compute_iou convert_format crop
            decode_deltas_to_boxes encode_box_to_deltas pad""",
        "visualization": """
            draw_bounding_boxes draw_segmentation_masks
            plot_bounding_box_gallery plot_image_gallery
            plot_segmentation_mask_gallery""",
    },
    "issue 11, the missing layers": {
        "layers": """
            AdaptiveAveragePooling1D AdaptiveAveragePooling2D
            AdaptiveAveragePooling3D AdaptiveMaxPooling1D
            AdaptiveMaxPooling2D AdaptiveMaxPooling3D AugMix
            AutoContrast
            ContrastLimitedAdaptiveHistogramEqualization CutMix
            Equalization HashedCrossing MaxNumBoundingBoxes
            MelSpectrogram MixUp Pipeline RandAugment
            RandomColorDegeneration RandomColorJitter
            RandomElasticTransform RandomErasing
            RandomGaussianBlur RandomGrayscale RandomHue
            RandomInvert RandomPerspective RandomPosterization
            RandomSaturation RandomSharpness RandomShear
            ReversibleEmbedding STFTSpectrogram Solarization
            Wrapper""",
    },
    "issue 11, keras.ops (numpy, nn, linalg, image)": {
        "ops": """
            adaptive_average_pool adaptive_max_pool allclose
            angle append arccosh arcsinh arctanh argpartition
            array array_split associative_scan average_pool
            bartlett batch_normalization binary_crossentropy
            bincount bitwise_and bitwise_invert
            bitwise_left_shift bitwise_not bitwise_or
            bitwise_right_shift bitwise_xor blackman
            broadcast_to categorical_crossentropy cbrt cdist
            cholesky cholesky_inverse conjugate conv
            conv_transpose copy corrcoef correlate cross
            ctc_decode ctc_loss custom_gradient deg2rad
            depth_to_space depthwise_conv det diagflat diagonal
            diff digitize divide_no_nan dot_product_attention
            dsplit dstack eig eigh empty empty_like erf erfc
            erfinv exp2 extract_sequences fabs fft fft2 fliplr
            flipud fmax fmin fmod fold gcd geomspace hamming
            hanning hard_shrink heaviside histogram hsplit
            hstack hypot i0 identity ifft2 image in_top_k inner
            inv irfft isclose isin isneginf isposinf isreal
            istft jvp kaiser kron layer_normalization lcm ldexp
            left_shift linalg logaddexp logaddexp2 logdet
            logspace logsumexp lstsq lu_factor map matrix_rank
            max_pool median meshgrid nanargmax nanargmin
            nancumprod nancumsum nanmax nanmean nanmedian nanmin
            nanpercentile nanprod nanquantile nanstd nansum
            nanvar ndim nextafter nonzero norm percentile pinv
            polar psnr ptp qr quantile rad2deg ravel rearrange
            rfft right_shift rms_normalization roll rot90
            saturate_cast scan scatter scatter_update
            searchsorted segment_max segment_min segment_prod
            segment_sum select separable_conv signbit sinc
            slogdet soft_shrink solve solve_triangular
            space_to_depth sparse_categorical_crossentropy
            sparse_plus sparse_sigmoid squareplus stft svd
            switch tanh_shrink threshold top_k trace trapezoid
            tri trunc unfold unique unravel_index unstack vander
            vdot vectorize vectorized_map view view_as_complex
            view_as_real vsplit vstack""",
        "ops.image": """
            affine_transform crop_images elastic_transform
            extract_patches extract_patches_3d gaussian_blur
            hsv_to_rgb map_coordinates pad_images
            perspective_transform resize rgb_to_grayscale
            rgb_to_hsv scale_and_translate sobel_edges ssim""",
        "ops.linalg": """
            cholesky cholesky_inverse det eig eigh inv jvp lstsq
            lu_factor matrix_rank norm pinv qr solve
            solve_triangular svd""",
        "ops.nn": """
            adaptive_average_pool adaptive_max_pool average_pool
            batch_normalization binary_crossentropy
            categorical_crossentropy conv conv_transpose
            ctc_decode ctc_loss depth_to_space depthwise_conv
            dot_product_attention fold hard_shrink
            layer_normalization max_pool polar psnr
            rms_normalization separable_conv soft_shrink
            space_to_depth sparse_categorical_crossentropy
            sparse_plus sparse_sigmoid squareplus tanh_shrink
            threshold unfold""",
        "ops.numpy": """
            allclose angle append arccosh arcsinh arctanh
            argpartition array array_split bartlett bincount
            bitwise_and bitwise_invert bitwise_left_shift
            bitwise_not bitwise_or bitwise_right_shift
            bitwise_xor blackman broadcast_to cbrt conjugate
            copy corrcoef correlate cross deg2rad diagflat
            diagonal diff digitize divide_no_nan dsplit dstack
            empty empty_like exp2 fabs fliplr flipud fmax fmin
            fmod gcd geomspace get_item hamming hanning
            heaviside histogram hsplit hstack hypot i0 identity
            inner isclose isin isneginf isposinf isreal kaiser
            kron lcm ldexp left_shift logaddexp logaddexp2
            logspace median meshgrid nanargmax nanargmin
            nancumprod nancumsum nanmax nanmean nanmedian nanmin
            nanpercentile nanprod nanquantile nanstd nansum
            nanvar ndim nextafter nonzero percentile ptp
            quantile rad2deg ravel right_shift roll rot90
            searchsorted select signbit sinc slogdet trace
            trapezoid tri trunc unique unravel_index vander vdot
            vectorize view vsplit vstack""",
    },
    "issue 11, optimizers": {
        "optimizers": """
            MultiOptimizer Muon OptimizerMap ScheduleFreeAdamW
            legacy""",
        "optimizers.legacy": """
            Adagrad Adam Ftrl Optimizer RMSprop SGD""",
    },
    "issue 11, quantization": {
        "": """
            Quantizer quantizers""",
        "dtype_policies": """
            AWQDTypePolicy DTypePolicyMap GPTQDTypePolicy
            Int4DTypePolicy QuantizedDTypePolicy
            QuantizedFloat8DTypePolicy deserialize""",
        "quantizers": """
            AWQConfig AbsMaxQuantizer Float8QuantizationConfig
            GPTQConfig Int4QuantizationConfig
            Int8QuantizationConfig QuantizationConfig Quantizer
            abs_max_quantize
            abs_max_quantize_grouped_with_zero_point
            compute_float8_amax_history compute_float8_scale
            deserialize fake_quant_with_min_max_vars get
            pack_int4 quantize_and_dequantize serialize
            unpack_int4""",
    },
    "issue 11, wrappers and distillation": {
        "": """
            distillation wrappers""",
        "distillation": """
            DistillationLoss Distiller FeatureDistillation
            LogitsDistillation""",
        "wrappers": """
            SKLearnClassifier SKLearnRegressor
            SKLearnTransformer""",
    },
    "issue 15, distribution and mixed precision": {
        "": """
            mixed_precision""",
        "mixed_precision": """
            DTypePolicy LossScaleOptimizer Policy dtype_policy
            global_policy set_dtype_policy set_global_policy""",
    },
    "issue 16, applications and export": {
        "": """
            applications export""",
        "applications": """
            ConvNeXtBase ConvNeXtLarge ConvNeXtSmall
            ConvNeXtTiny ConvNeXtXLarge DenseNet121 DenseNet169
            DenseNet201 EfficientNetB0 EfficientNetB1
            EfficientNetB2 EfficientNetB3 EfficientNetB4
            EfficientNetB5 EfficientNetB6 EfficientNetB7
            EfficientNetV2B0 EfficientNetV2B1 EfficientNetV2B2
            EfficientNetV2B3 EfficientNetV2L EfficientNetV2M
            EfficientNetV2S InceptionResNetV2 InceptionV3
            MobileNet MobileNetV2 MobileNetV3Large
            MobileNetV3Small NASNetLarge NASNetMobile ResNet101
            ResNet101V2 ResNet152 ResNet152V2 ResNet50
            ResNet50V2 VGG16 VGG19 Xception convnext densenet
            efficientnet efficientnet_v2 imagenet_utils
            inception_resnet_v2 inception_v3 mobilenet
            mobilenet_v2 mobilenet_v3 nasnet resnet resnet50
            resnet_v2 vgg16 vgg19 xception""",
        "export": """
            ExportArchive""",
    },
    "issue 17, saving and legacy formats": {
        "": """
            legacy""",
        "legacy": """
            saving""",
        "legacy.saving": """
            deserialize_keras_object serialize_keras_object""",
        "utils": """
            legacy""",
        "utils.legacy": """
            deserialize_keras_object serialize_keras_object""",
    },
}


def _module(root, namespace):
    name = root + ("." + namespace if namespace else "")
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def _missing(namespace):
    names = set()
    for groups in MISSING.values():
        names.update(groups.get(namespace, "").split())
    return names


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n or "keras")
def test_lamina_has_every_public_name(namespace):
    reference = _public(_module("keras", namespace))
    expected = (reference - NOT_FOR_TORCH.get(namespace, set())
                - _missing(namespace))
    module = _module("lamina", namespace)
    where = "lamina" + ("." + namespace if namespace else "")
    assert module is not None or not expected, (
        f"{where} does not exist; Keras has {sorted(expected)}")
    lacking = sorted(n for n in expected if not hasattr(module, n))
    assert not lacking, f"{where} lacks {lacking}"


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n or "keras")
def test_missing_list_is_current(namespace):
    """A listed name that Lamina now has (or Keras no longer has) must
    leave `MISSING`."""
    reference = _public(_module("keras", namespace))
    module = _module("lamina", namespace)
    listed = _missing(namespace)
    assert not listed - reference, (
        f"not in Keras: {sorted(listed - reference)}")
    landed = sorted(n for n in listed
                    if module is not None and hasattr(module, n))
    assert not landed, (
        f"lamina.{namespace} now has {landed}: remove them from MISSING")


def test_every_namespace_is_walked():
    """Every public submodule of `keras` that holds names is in the walk."""
    for namespace in NAMESPACES:
        assert _module("keras", namespace) is not None, namespace
    assert set(MISSING) and all(
        set(groups) <= set(NAMESPACES) for groups in MISSING.values())
